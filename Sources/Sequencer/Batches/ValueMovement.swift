import Ledger
import Primitives
import Settlement

/// One change of balances that a batch proof has to account for. The proof system sees a
/// batch as these movements alone: approvals, freezes, pauses and failed transactions move
/// no value and are not in it (docs/PROOFS.md says what that leaves to the node).
///
/// `asset` is the token's address; the zero address is the native currency.
public enum ValueMovement: Sendable, Hashable {
    /// An L1 deposit entering the chain (also one the policy refused: it is credited and
    /// leaves again as the refund withdrawal, so the proof sees every consumed deposit).
    case deposit(to: Address, asset: Address, amount: UInt256)
    case transfer(from: Address, to: Address, asset: Address, amount: UInt256)
    /// Value leaving for the L1: a member's withdrawal or a deposit's refund, in the order
    /// of the batch's withdrawal list.
    case withdrawal(from: Address, asset: Address, amount: UInt256)
    /// Issuance: the holder and the asset's supply grow by the same amount.
    case mint(to: Address, asset: Address, amount: UInt256)
    case burn(from: Address, asset: Address, amount: UInt256)

    /// What a transaction that succeeded moved, if anything. Withdrawals are not returned
    /// here: they come from the batch's withdrawal list, which fixes their order.
    public static func of(_ operation: Operation, sender: Address) -> ValueMovement? {
        switch operation {
        case .nativeTransfer(let to, let amount):
            return .transfer(from: sender, to: to, asset: .zero, amount: amount)
        case .transfer(let token, let to, let amount):
            return .transfer(from: sender, to: to, asset: token, amount: amount)
        case .transferFrom(let token, let from, let to, let amount), .forcedTransfer(let token, let from, let to, let amount):
            return .transfer(from: from, to: to, asset: token, amount: amount)
        case .mint(let token, let to, let amount):
            return .mint(to: to, asset: token, amount: amount)
        case .burn(let token, let amount):
            return .burn(from: sender, asset: token, amount: amount)
        case .burnFrom(let token, let from, let amount):
            return .burn(from: from, asset: token, amount: amount)
        case .withdraw, .approve, .setAddressFrozen, .freezePartialTokens, .unfreezePartialTokens, .pause, .unpause:
            return nil
        }
    }
}

/// The value movements of one sealed batch, in the order a batch proof applies them:
/// every consumed deposit first, then the included transactions' movements in block order,
/// then the withdrawal list in its order. Credits earlier and debits later than they
/// happened never produce an overdraft the node's own order did not have, so this order is
/// always provable when the node's was valid.
public enum BatchMovements {
    public static func of(
        contents: BatchContents, transactions: [IncludedTransaction], tokens: [Address: TokenDefinition]
    ) throws(NodeError) -> [ValueMovement] {
        var movements = contents.deposits.map { ValueMovement.deposit(to: $0.recipient, asset: $0.asset, amount: $0.amount) }
        var withdrawingSenders = [String: Address]()
        for included in transactions where included.receipt.succeeded {
            let operation: Operation
            do { operation = try OperationDecoder.operation(for: included.signed.transaction, tokens: tokens) } catch {
                throw .corruptRecord("included transaction \(included.hash) no longer decodes: \(error)")
            }
            if case .withdraw = operation {
                withdrawingSenders[included.hash.hex] = included.sender
            } else if let movement = ValueMovement.of(operation, sender: included.sender) {
                movements.append(movement)
            }
        }
        let deposits = Dictionary(contents.deposits.map { ("deposit:\($0.queueIndex)", $0.recipient) }) { first, _ in first }
        for (withdrawal, source) in zip(contents.withdrawals, contents.withdrawalSources) {
            guard let from = withdrawingSenders[source] ?? deposits[source] else {
                throw .corruptRecord("withdrawal \(withdrawal.indexInBatch) of batch \(withdrawal.batchNumber) names an unknown source \(source)")
            }
            movements.append(.withdrawal(from: from, asset: withdrawal.asset, amount: withdrawal.amount))
        }
        return movements
    }
}

extension Chain {
    /// The value movements of sealed batch `number`, in proof order (see `BatchMovements`).
    public nonisolated func batchMovements(_ number: UInt64) throws -> [ValueMovement] {
        guard number > 0 else { return [] }
        guard let record = try batch(number: number), let contents = try batchContents(number: number) else {
            throw NodeError.corruptRecord("batch \(number) or its contents are not stored")
        }
        var transactions = [IncludedTransaction]()
        for block in record.firstBlock...record.lastBlock { transactions += try self.transactions(blockNumber: block) }
        return try BatchMovements.of(contents: contents, transactions: transactions, tokens: tokenDefinitions)
    }
}

/// What one block adds to its batch's value movements, in the three runs `BatchMovements`
/// orders a batch by: its deposits, its successful transactions' movements in block order,
/// and its withdrawals (deposit refunds, then members' withdrawals, as the block added them).
/// The sequencer hands these to the state tree with the block, so a seal need not read the
/// batch's transactions back from the store.
struct BlockMovements: Sendable, Equatable {
    var deposits: [ValueMovement] = []
    var transfers: [ValueMovement] = []
    var withdrawals: [ValueMovement] = []

    /// The movements of a block that consumed `deposits`, executed `executed` with `receipts`,
    /// and added its batch's withdrawals from index `first` on (`contents`: the batch after it).
    static func of(
        deposits: [Deposit], executed: [AdmittedTransaction], receipts: [ExecutionReceipt],
        withdrawalsOf contents: BatchContents, from first: Int
    ) -> BlockMovements {
        let withdrawals = contents.withdrawals[first...]
        let sources = contents.withdrawalSources[first...]
        var movements = BlockMovements()
        movements.deposits = deposits.map { .deposit(to: $0.recipient, asset: $0.asset, amount: $0.amount) }
        var senders = [String: Address]()
        for (transaction, receipt) in zip(executed, receipts) where receipt.succeeded {
            if case .withdraw = transaction.operation {
                senders[transaction.hash.hex] = transaction.sender
            } else if let movement = ValueMovement.of(transaction.operation, sender: transaction.sender) {
                movements.transfers.append(movement)
            }
        }
        let recipients = Dictionary(deposits.map { ("deposit:\($0.queueIndex)", $0.recipient) }) { first, _ in first }
        for (withdrawal, source) in zip(withdrawals, sources) {
            // Every source is in this block: its refunded deposit, or its withdrawing transaction.
            guard let from = senders[source] ?? recipients[source] else { continue }
            movements.withdrawals.append(.withdrawal(from: from, asset: withdrawal.asset, amount: withdrawal.amount))
        }
        return movements
    }
}
