import Disclosure
import Foundation
import Node
import Primitives
import Sequencer
import StateTree

/// Where balance disclosures are made, for the member API and the admin API alike: each one
/// handed out is an audit entry (who asked, whose holding, which batch; never the balance).
enum BalanceDisclosures {
    enum Refusal: Error {
        /// No batch is executed yet and none was named.
        case nothingExecuted
        /// The node cannot produce one for that batch (not sealed, or older than the latest executed).
        case unavailable(String)
    }

    /// The batch a request means: the one named, or the latest the L1 has executed.
    static func batch(_ requested: UInt64?, chain: Chain) throws -> UInt64 {
        let batch = try requested ?? chain.lastFinalBatchSeen()
        guard batch >= 1 else { throw Refusal.nothingExecuted }
        return batch
    }

    /// The disclosure of `holder`'s holding of `asset` at `batch`, audited as produced for
    /// `requester`; nil if there was no such holding then. The caller has checked that
    /// `requester` may see `holder`.
    static func produce(
        holder: Address, asset: Address, batch: UInt64, chain: Chain, requester: String
    ) async throws -> BalanceDisclosure? {
        let path: LeafPath?
        do {
            path = try await chain.holdingPath(holder: holder, asset: asset, batch: batch)
        } catch NodeError.disclosureUnavailable(let why) {
            throw Refusal.unavailable(why)
        }
        guard let path else { return nil }
        let disclosure = BalanceDisclosure(
            chainID: chain.config.chain.chainID, batch: batch, holder: holder, asset: asset, path: path)
        await chain.audit(
            AuditEntry(
                kind: .disclosureProduced, time: UInt64(Date().timeIntervalSince1970 * 1000), actor: requester,
                asset: asset == .zero ? "native" : asset.checksummed, outcome: "balance",
                detail: "balance disclosure of \(holder.checksummed) at batch \(batch) for \(requester)"))
        return disclosure
    }
}
