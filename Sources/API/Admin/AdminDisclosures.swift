import Foundation
import Primitives
import Sequencer

/// Disclosures produced through the admin API, by an auditor or the compliance team: each is
/// audited as produced (docs/DISCLOSURE.md).
extension AdminResources {
    /// An auditor's disclosure of any holding (the admin API admits only `admin_read` or `read_all`).
    func balanceDisclosure(_ query: AdminQuery) async throws -> AdminAnswer {
        guard let holder = try query.address("holder") else { throw AdminFailure.badRequest("holder is required") }
        guard let assetText = query.string("asset") else {
            throw AdminFailure.badRequest("asset is required: `native` or a token address")
        }
        let asset = assetText == "native" ? Address.zero : try AdminQuery.address(assetText, name: "asset")
        let batch: UInt64
        do { batch = try BalanceDisclosures.batch(try query.integer("batch"), chain: chain) } catch BalanceDisclosures
            .Refusal.nothingExecuted
        {
            throw AdminFailure.notFound("no batch is executed on the L1 yet: name a sealed batch")
        }
        do {
            guard
                let disclosure = try await BalanceDisclosures.produce(
                    holder: holder, asset: asset, batch: batch, chain: chain, requester: query.caller)
            else {
                throw AdminFailure.notFound("\(holder.checksummed) held no \(assetText) at batch \(batch)")
            }
            return .json(try JSON.parse(Array(try JSONEncoder().encode(disclosure))), count: 1)
        } catch BalanceDisclosures.Refusal.unavailable(let why) {
            throw AdminFailure.notFound(why)
        }
    }

    /// An auditor's disclosure of any transaction (the admin API admits only `admin_read` or `read_all`).
    func transactionDisclosure(_ query: AdminQuery) async throws -> AdminAnswer {
        guard let hash = try query.hash("hash") else { throw AdminFailure.badRequest("hash is required") }
        do {
            guard
                let disclosure = try await TransactionDisclosures.produce(
                    hash: hash, chain: chain, tokens: tokenDefinitions, requester: query.caller, admits: { _ in true })
            else {
                throw AdminFailure.notFound("no transaction \(hash.hex) is included")
            }
            return .json(try JSON.parse(Array(try JSONEncoder().encode(disclosure))), count: 1)
        } catch TransactionDisclosures.Refusal.unavailable(let why) {
            throw AdminFailure.notFound(why)
        }
    }
}
