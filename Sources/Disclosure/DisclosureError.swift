/// Why a disclosure was refused, in words the outsider checking it can act on.
public struct DisclosureError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The document is not a disclosure this verifier reads (format, field syntax).
        case malformed
        /// A transaction disclosure's signed transaction does not verify, or is not the
        /// disclosed signer's transfer of the disclosed amount and asset to the disclosed recipient.
        case transactionMismatch
        /// The disclosed facts do not reach the root the disclosure names.
        case pathMismatch
        /// The root is not the one the L1 holds for that batch.
        case rootMismatch
        /// The L1 has the batch but has not executed it (its proof is not accepted yet).
        case notFinal
        /// The L1 has no such batch.
        case unknownBatch
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
