import StarkMath

/// Four Goldilocks elements: an RPO-256 digest, a node of an RPO Merkle tree, or a
/// digest-sized leaf such as an account (balance, nonce, key, blinding).
///
/// Stored inline (32 bytes, no heap), so trees of millions of them stay compact.
@frozen
public struct RPODigest: Hashable, Sendable, CustomStringConvertible {
    public let e0: Goldilocks
    public let e1: Goldilocks
    public let e2: Goldilocks
    public let e3: Goldilocks

    /// The all-zero word: the empty leaf of the account tree.
    public static let zero = RPODigest(.zero, .zero, .zero, .zero)

    /// How many field elements make one digest.
    public static let elementCount = 4

    @inlinable
    public init(_ e0: Goldilocks, _ e1: Goldilocks, _ e2: Goldilocks, _ e3: Goldilocks) {
        self.e0 = e0
        self.e1 = e1
        self.e2 = e2
        self.e3 = e3
    }

    /// Exactly four elements; any other count is refused.
    public init(elements: some Collection<Goldilocks>) throws(FieldError) {
        guard elements.count == 4 else {
            throw .wrongLength(what: "an RPO digest (field elements)", expected: 4, actual: elements.count)
        }
        let array = Array(elements)
        self.init(array[0], array[1], array[2], array[3])
    }

    /// Decodes 32 bytes (four little-endian words), refusing non-canonical elements.
    public init(bytes: some Collection<UInt8>) throws(FieldError) {
        guard bytes.count == 32 else {
            throw .wrongLength(what: "an RPO digest (bytes)", expected: 32, actual: bytes.count)
        }
        let array = Array(bytes)
        var elements = [Goldilocks]()
        for word in 0..<4 {
            elements.append(try Goldilocks(littleEndianBytes: array[(8 * word)..<(8 * word + 8)]))
        }
        self.init(elements[0], elements[1], elements[2], elements[3])
    }

    public var elements: [Goldilocks] { [e0, e1, e2, e3] }

    /// The 32-byte encoding: each element as 8 little-endian bytes, in order.
    public var bytes: [UInt8] { elements.flatMap(\.littleEndianBytes) }

    @inlinable
    public subscript(index: Int) -> Goldilocks {
        switch index {
        case 0: return e0
        case 1: return e1
        case 2: return e2
        case 3: return e3
        default: preconditionFailure("an RPO digest has elements 0...3, not \(index)")
        }
    }

    public var description: String { "[\(e0), \(e1), \(e2), \(e3)]" }
}
