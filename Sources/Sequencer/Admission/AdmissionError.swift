import Ledger
import Primitives
import Transactions

/// Why a transaction was not admitted, with Ethereum clients' usual wording where one exists.
public enum AdmissionError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidTransaction(TransactionError)
    case unsupportedOperation(LedgerError)
    case nonceTooLow(next: UInt64, got: UInt64)
    case nonceTooHigh(next: UInt64, got: UInt64, maxAhead: UInt64)
    case alreadyKnown
    case nonceAlreadyPending(UInt64)
    case senderQueueFull(limit: Int)
    case mempoolFull(limit: Int)
    /// A compliance or access rule refused it; `rule` is the rule id.
    case policyRefused(rule: String, message: String)
    /// It could not be journaled (the store failed, e.g. a full disk), so it was not accepted.
    case notJournaled(String)

    public var description: String {
        switch self {
        case .invalidTransaction(let error): return error.description
        case .unsupportedOperation(let error): return error.description
        case .nonceTooLow(let next, let got): return "nonce too low: next nonce \(next), tx nonce \(got)"
        case .nonceTooHigh(let next, let got, let maxAhead):
            return "nonce too high: next nonce \(next), tx nonce \(got) (at most \(maxAhead) ahead may wait)"
        case .alreadyKnown: return "already known"
        case .nonceAlreadyPending(let nonce):
            return "replacement transaction underpriced: a transaction with nonce \(nonce) from this sender is already pending"
        case .senderQueueFull(let limit): return "txpool is full for this sender (\(limit) pending transactions)"
        case .mempoolFull(let limit): return "txpool is full (\(limit) pending transactions)"
        case .policyRefused(let rule, let message): return "refused by policy rule \(rule): \(message)"
        case .notJournaled(let reason):
            return "the node cannot record new transactions right now (\(reason)); it was not accepted: send it again later"
        }
    }
}

extension AdmissionError {
    /// A short, bounded label for metrics: the policy rule id or the kind of refusal.
    var metricReason: String {
        switch self {
        case .invalidTransaction: return "invalid-transaction"
        case .unsupportedOperation: return "unsupported-operation"
        case .nonceTooLow: return "nonce-too-low"
        case .nonceTooHigh: return "nonce-too-high"
        case .alreadyKnown: return "already-known"
        case .nonceAlreadyPending: return "nonce-already-pending"
        case .senderQueueFull: return "sender-queue-full"
        case .mempoolFull: return "mempool-full"
        case .policyRefused(let rule, _): return "policy:\(rule)"
        case .notJournaled: return "not-journaled"
        }
    }
}
