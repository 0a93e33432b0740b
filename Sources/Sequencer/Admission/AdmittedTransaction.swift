import Ledger
import Primitives
import Transactions

/// A transaction that passed admission: decoded, validated, signer recovered, operation mapped.
public struct AdmittedTransaction: Sendable {
    public var signed: SignedTransaction
    public var sender: Address
    public var operation: Ledger.Operation
    public var nonce: UInt64 { signed.transaction.nonce }
    public var hash: Hash32 { signed.hash }
}
