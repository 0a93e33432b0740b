import Foundation
import Ledger
import Node
import Primitives
import Settlement

extension EthereumRPC {
    /// `cloister_getWithdrawalProof(txHash)`: the inclusion proof a member hands to the L1 to
    /// finalise a withdrawal once its batch executes. Only the withdrawing member (or an
    /// auditor) gets it; anyone else is told the transaction is unknown, as for receipts.
    func withdrawalProof(_ params: Params, caller: CallerIdentity) async throws -> JSON {
        guard let text = params.value(0, "transaction hash")?.stringValue, let hash = try? Hash32(hex: text) else {
            throw RPCError.invalidParams("cloister_getWithdrawalProof takes the withdrawal's transaction hash (0x + 64 hex digits)")
        }
        guard let included = try chain.transaction(hash: hash), caller.maySee(included.sender) else {
            throw RPCError.invalidInput("no withdrawal \(hash.hex) of yours is included")
        }
        guard case .withdraw = try? OperationDecoder.operation(for: included.signed.transaction, tokens: tokens) else {
            throw RPCError.invalidInput("transaction \(hash.hex) is not a withdrawal to the bridge \(Bridge.address.checksummed)")
        }
        guard included.receipt.succeeded else {
            throw RPCError.invalidInput("withdrawal \(hash.hex) failed (\(included.receipt.revertReason ?? "no reason")): nothing to claim")
        }
        let latest = await chain.latestBatch.number
        guard let batch = try chain.sealedBatch(containing: included.blockNumber, latest: latest),
            let contents = try chain.batchContents(number: batch.number),
            let index = contents.withdrawalSources.firstIndex(of: hash.hex)
        else {
            throw RPCError.invalidInput(
                "withdrawal \(hash.hex) is in block \(included.blockNumber), whose batch is not sealed yet: ask again once it is")
        }
        let proof = try contents.withdrawalTree(batch: batch.number).proof(index: index)
        let settlement = try chain.settlement(of: batch.number)
        let encoded = try JSON.parse(Array(try JSONEncoder().encode(proof)))
        return .object([
            ("batch", .integer(batch.number)), ("withdrawalsRoot", .string(batch.withdrawalsRoot.hex)),
            ("l1Status", .string(settlement?.state.rawValue ?? "sealed")), ("proof", encoded),
        ])
    }
}
