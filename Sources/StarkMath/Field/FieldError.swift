/// Why a field, polynomial or NTT operation refused its input.
///
/// A closed set: every case names the value that was wrong, so that the message
/// tells the caller what to fix.
public enum FieldError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A value at or above the modulus was offered where a canonical element is required.
    /// Accepting it would give one element two encodings (a malleability hole in proofs).
    case nonCanonical(UInt64)
    /// Zero has no inverse; `index` says which element of a batch was zero.
    case divisionByZero(index: Int?)
    /// A byte string or coordinate list had the wrong length for the element type.
    case wrongLength(what: String, expected: Int, actual: Int)
    /// An NTT or evaluation domain size that is not a power of two within the field's two-adicity.
    case invalidDomainSize(Int)
    /// Interpolation points must be pairwise distinct.
    case duplicateInterpolationPoint(index: Int)

    public var description: String {
        switch self {
        case .nonCanonical(let value):
            return
                "field element \(value) is not canonical: it must be below the Goldilocks modulus 18446744069414584321"
        case .divisionByZero(let index?):
            return "cannot invert zero (element \(index) of the batch is zero)"
        case .divisionByZero(nil):
            return "cannot invert zero"
        case .wrongLength(let what, let expected, let actual):
            return "\(what) needs exactly \(expected) items, got \(actual)"
        case .invalidDomainSize(let size):
            return "domain size \(size) must be a power of two between 1 and 2^32"
        case .duplicateInterpolationPoint(let index):
            return "interpolation point \(index) repeats an earlier point; points must be distinct"
        }
    }
}
