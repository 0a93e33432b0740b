/// Why a settlement call did not happen, with a message a person can act on.
///
/// One error type for the whole settlement domain: the engine, both clients and the HTTP
/// service. `kind` lets a caller (the node's settlement driver) decide what to do: retry
/// with backoff on `.unreachable`, stop and look on `.refused` or `.conflict`, and so on.
/// Every refusal by the L1 leaves its state unchanged (except `.proofRejected`, whose
/// attempt is recorded on purpose).
public struct SettlementError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// The request is malformed: a field is missing, out of range or badly encoded.
        case invalidInput = "invalid-input"
        /// An operator call without a usable signature.
        case unauthorized
        /// An operator call signed by a key other than the configured operator.
        case forbidden
        /// No such batch (or other record).
        case notFound = "not-found"
        /// The call is well formed but does not fit the L1's state (out of sequence,
        /// wrong previous root, execute before prove, withdrawal already finalised, …).
        case refused
        /// A resend of a call for the same batch with different content.
        case conflict
        /// The proof verifier refused the proof; the attempt is recorded.
        case proofRejected = "proof-rejected"
        /// The L1 could not be reached (connection refused, timeout): safe to retry.
        case unreachable
        /// The L1 answered something the client cannot read (a bug or a wrong URL).
        case badResponse = "bad-response"
        /// The L1's own storage failed.
        case storage
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// The HTTP status the service answers with for this kind of error.
    public var httpStatus: Int {
        switch kind {
        case .invalidInput: return 400
        case .unauthorized: return 401
        case .forbidden: return 403
        case .notFound: return 404
        case .conflict: return 409
        case .refused, .proofRejected: return 422
        case .unreachable, .badResponse: return 502
        case .storage: return 500
        }
    }

    package static func invalid(_ message: String) -> SettlementError { SettlementError(.invalidInput, message) }
    package static func refused(_ message: String) -> SettlementError { SettlementError(.refused, message) }
}
