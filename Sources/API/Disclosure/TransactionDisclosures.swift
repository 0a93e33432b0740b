import BatchProof
import Disclosure
import Foundation
import Ledger
import Node
import Primitives
import Sequencer
import StateTree

/// Where transaction disclosures are made, for the member API and the admin API alike: each
/// one handed out is an audit entry (who asked, which transaction, which batch; never the amount).
enum TransactionDisclosures {
    enum Refusal: Error {
        /// The node cannot produce one for that transaction (its kind, its batch), with the reason.
        case unavailable(String)
    }

    /// The disclosure of transaction `hash`, audited as produced for `requester`; nil if there
    /// is no such transaction or `admits` refuses it (the two answers must not differ: the
    /// member API admits the transactions `MemberView` counts the caller a party to).
    static func produce(
        hash: Hash32, chain: Chain, tokens: [Address: TokenDefinition], requester: String,
        admits: (IncludedTransaction) -> Bool
    ) async throws -> TransactionDisclosure? {
        guard let included = try chain.transaction(hash: hash), admits(included) else { return nil }
        let operation = try? OperationDecoder.operation(for: included.signed.transaction, tokens: tokens)
        let transfer: (to: Address, asset: Address, amount: UInt128)
        switch operation {
        case .nativeTransfer(let to, let amount): transfer = (to, .zero, try narrow(amount, hash))
        case .transfer(let token, let to, let amount): transfer = (to, token, try narrow(amount, hash))
        default:
            throw Refusal.unavailable(
                "transaction \(hash.hex) is not a native transfer or an ERC-20 transfer call: only those can be disclosed"
            )
        }
        let placement: OperationPlacement
        do {
            guard let placed = try await chain.operationPlacement(of: included) else {
                throw Refusal.unavailable(
                    "transaction \(hash.hex) is in block \(included.blockNumber), whose batch is not sealed yet: ask again once it is"
                )
            }
            placement = placed
        } catch NodeError.disclosureUnavailable(let why) {
            throw Refusal.unavailable(why)
        }
        let opening = try await opening(of: placement.batch, chain: chain)
        guard placement.index < opening.operations.count else {
            throw NodeError.corruptRecord("batch \(placement.batch) has no operation \(placement.index)")
        }
        let disclosure = TransactionDisclosure(
            chainID: chain.config.chain.chainID, signed: included.signed, from: included.sender, to: transfer.to,
            asset: transfer.asset, amount: transfer.amount, opening: opening, index: placement.index)
        // The node never hands out a disclosure that does not verify (the L1's part aside).
        do { _ = try TransactionDisclosureVerifier.check(disclosure) } catch {
            throw NodeError.corruptRecord("the disclosure of \(hash.hex) does not verify: \(error)")
        }
        await chain.audit(
            AuditEntry(
                kind: .disclosureProduced, time: UInt64(Date().timeIntervalSince1970 * 1000),
                block: included.blockNumber,
                transaction: hash.hex, actor: requester,
                asset: transfer.asset == .zero ? "native" : transfer.asset.checksummed,
                outcome: "transaction",
                detail:
                    "transaction disclosure of \(hash.hex) (batch \(placement.batch), operation \(placement.index)) for \(requester)"
            ))
        return disclosure
    }

    /// The kept operations opening of `batch`, or why there is none.
    static func opening(of batch: UInt64, chain: Chain) async throws -> OperationsOpening {
        if let opening = try OperationOpenings.opening(ofBatch: batch, in: chain) { return opening }
        guard batch <= (try chain.lastCommittedBatch()) else {
            throw Refusal.unavailable("batch \(batch) is not committed to the L1 yet: ask again once it is")
        }
        throw Refusal.unavailable(
            "batch \(batch) was committed by a node that kept no operations opening (an older version, or settlement "
                + "without proofs): its transactions cannot be disclosed")
    }

    static func narrow(_ amount: UInt256, _ hash: Hash32) throws -> UInt128 {
        guard let value = AccountLeaf.balance(amount) else {
            throw NodeError.corruptRecord("transaction \(hash.hex) moves 2^124 or more: the state tree holds less")
        }
        return value
    }
}
