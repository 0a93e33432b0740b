import Ledger
import Primitives
import StateTree

extension Chain {
    /// The holding of `asset` (the zero address: the native currency) by `holder` as sealed
    /// batch `number` recorded it, with its Merkle path to that batch's state root: what a
    /// balance disclosure shows an outsider. nil if the holder had no such leaf then.
    ///
    /// The path is checked against the batch's recorded root before it is returned.
    /// - Throws: ``NodeError/disclosureUnavailable(_:)`` for a batch without a root yet, or
    ///   older than the latest executed one (whose later tree updates are dropped).
    public func holdingPath(holder: Address, asset: Address, batch number: UInt64) async throws -> LeafPath? {
        guard number >= 1, let record = try batch(number: number) else {
            throw NodeError.disclosureUnavailable("batch \(number) is not sealed")
        }
        let key = AccountLeaf.key(account: holder.bytes, asset: asset.bytes)
        guard let path = try await tracker.path(ofKey: key, batch: number) else { return nil }
        guard Hash32(rpo: path.root) == record.stateRoot, path.isValid else {
            throw NodeError.corruptRecord("the state tree does not reach batch \(number)'s recorded root")
        }
        return path
    }
}

/// Where an included transaction's transfer sits among the operations of its sealed batch:
/// the leaf a transaction disclosure opens.
public struct OperationPlacement: Sendable, Equatable {
    public var batch: UInt64
    /// Its position in the batch's operations in proof order (see ``BatchMovements``).
    public var index: Int
}

extension Chain {
    /// The placement of `included`'s value movement in its batch's operations: after the
    /// batch's consumed deposits, counting the movements of the successful transactions before
    /// it in block order that reach the state tree (``TreeOperations``). Withdrawals come after
    /// them, so the count is the same once the batch is padded. nil while its batch is not sealed.
    /// Reads the batch's transactions off the actor.
    /// - Throws: ``NodeError/disclosureUnavailable(_:)`` if the transaction moved no value in
    ///   the state tree (it failed, moved nothing, or is a withdrawal).
    public nonisolated func operationPlacement(of included: IncludedTransaction) async throws -> OperationPlacement? {
        guard try movesTreeValue(included) else {
            throw NodeError.disclosureUnavailable(
                "transaction \(included.hash.hex) moved no value in the state tree (it failed, moved nothing, or is a "
                    + "withdrawal): there is no operation to disclose")
        }
        guard let record = try sealedBatch(containing: included.blockNumber, latest: await latestBatch.number),
            let contents = try batchContents(number: record.number)
        else { return nil }
        var index = contents.deposits.count
        for block in record.firstBlock...record.lastBlock {
            for transaction in try transactions(blockNumber: block) {
                if transaction.hash == included.hash { return OperationPlacement(batch: record.number, index: index) }
                if try movesTreeValue(transaction) { index += 1 }
            }
        }
        throw NodeError.corruptRecord("transaction \(included.hash.hex) is not in the blocks of batch \(record.number)")
    }

    /// Whether a transaction's movement is one of its batch's tree operations (a withdrawal's
    /// is too, but in the batch's withdrawal list, after the padding).
    nonisolated func movesTreeValue(_ included: IncludedTransaction) throws -> Bool {
        guard included.receipt.succeeded else { return false }
        let operation: Operation
        do { operation = try OperationDecoder.operation(for: included.signed.transaction, tokens: tokenDefinitions) } catch {
            throw NodeError.corruptRecord("included transaction \(included.hash) no longer decodes: \(error)")
        }
        if case .withdraw = operation { return false }
        switch ValueMovement.of(operation, sender: included.sender) {
        case .transfer(_, _, _, let amount), .mint(_, _, let amount), .burn(_, _, let amount): return !amount.isZero
        case .deposit, .withdrawal, nil: return false
        }
    }
}
