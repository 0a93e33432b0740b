/// Why a proof could not be made, decoded or accepted.
///
/// One error type for the whole proof system. A verifier treats every case as
/// "reject"; the case and its message say which check failed and where, so that a log
/// line points at the field of the proof (or the row of the trace) that is wrong.
public enum StarkError: Error, Sendable, Hashable, CustomStringConvertible {
    // MARK: - Statement and options

    /// Proof options outside the supported ranges (the message names the option).
    case invalidOptions(String)
    /// The trace does not have the shape the AIR declares.
    case traceShapeMismatch(String)
    /// The AIR is malformed (periodic column length, assertion outside the trace, …).
    case invalidAIR(String)
    /// The public inputs are not what the AIR expects.
    case invalidPublicInputs(String)
    /// The declared constraint degrees need a larger blowup (or a longer trace, since the
    /// zero-knowledge randomisers add to every trace polynomial's degree).
    case constraintDegreeTooHigh(String)
    /// The composition polynomial has a higher degree than the AIR declares: a degree
    /// declaration is too low (a bug in the AIR that would make honest proofs fail).
    case declaredDegreeTooLow(String)

    // MARK: - Prover

    /// The debug checker found a trace row that breaks a constraint.
    case constraintViolated(constraint: String, row: Int)

    // MARK: - Decoding

    /// The bytes are not a well-formed proof (truncated, trailing bytes, oversize length,
    /// non-canonical element, unknown version, …).
    case malformedProof(String)

    // MARK: - Verifier

    /// The proof's options fall below what this verifier accepts.
    case insufficientSecurity(String)
    /// A structural property of the proof is wrong (length, count, index).
    case structureMismatch(String)
    /// A Merkle opening does not lead to the committed root.
    case merkleOpeningRejected(what: String, detail: String)
    /// The constraint composition does not match the composition columns at z.
    case compositionMismatchAtOutOfDomainPoint
    /// The DEEP value recomputed from the trace and composition openings differs from
    /// FRI's first layer.
    case deepMismatch(query: Int)
    /// A FRI layer value disagrees with the fold of the layer above.
    case friFoldingMismatch(layer: Int, query: Int)
    /// The last folded value disagrees with the remainder polynomial.
    case friRemainderMismatch(query: Int)
    /// The proof-of-work nonce does not give the required number of leading zero bits.
    case proofOfWorkRejected

    public var description: String {
        switch self {
        case .invalidOptions(let message): return "invalid proof options: \(message)"
        case .traceShapeMismatch(let message): return "trace shape mismatch: \(message)"
        case .invalidAIR(let message): return "invalid AIR: \(message)"
        case .invalidPublicInputs(let message): return "invalid public inputs: \(message)"
        case .constraintDegreeTooHigh(let message): return "constraint degree too high: \(message)"
        case .declaredDegreeTooLow(let message): return "declared constraint degree too low: \(message)"
        case .constraintViolated(let constraint, let row):
            return "the trace breaks constraint \(constraint) at row \(row)"
        case .malformedProof(let message): return "malformed proof: \(message)"
        case .insufficientSecurity(let message): return "proof rejected, options too weak: \(message)"
        case .structureMismatch(let message): return "proof rejected, wrong structure: \(message)"
        case .merkleOpeningRejected(let what, let detail):
            return "proof rejected, \(what) opening does not match its commitment: \(detail)"
        case .compositionMismatchAtOutOfDomainPoint:
            return "proof rejected: the constraints evaluated at the out-of-domain point do not match the composition"
        case .deepMismatch(let query):
            return "proof rejected: DEEP composition disagrees with FRI layer 0 at query \(query)"
        case .friFoldingMismatch(let layer, let query):
            return "proof rejected: FRI layer \(layer) disagrees with the fold of the layer above at query \(query)"
        case .friRemainderMismatch(let query):
            return "proof rejected: the FRI remainder polynomial disagrees with the last fold at query \(query)"
        case .proofOfWorkRejected:
            return "proof rejected: the proof-of-work nonce does not reach the grinding target"
        }
    }
}
