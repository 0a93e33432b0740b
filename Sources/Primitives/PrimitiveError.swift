/// Failures of parsing or arithmetic on primitive values. Each message names what was wrong.
public enum PrimitiveError: Error, Equatable, Sendable, CustomStringConvertible {
    case hex(HexError)
    case wrongLength(what: String, expected: Int, actual: Int)
    case invalidChecksum(String)
    case invalidNumber(String)
    case overflow(String)

    public var description: String {
        switch self {
        case .hex(let error): return error.description
        case .wrongLength(let what, let expected, let actual): return "\(what) must be \(expected) bytes, got \(actual)"
        case .invalidChecksum(let text): return "address \(text) has an invalid EIP-55 checksum (check its upper/lower case, or write it all in lower case)"
        case .invalidNumber(let why): return why
        case .overflow(let why): return why
        }
    }
}
