#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A 32-byte value: a Keccak-256 or SHA-256 digest, a transaction or block hash, a storage word.
///
/// Stored inline (no heap) as four words in memory order, so that hashing, comparing
/// and copying cost nothing beyond the 32 bytes.
public struct Hash32: Hashable, Sendable, Comparable, ContiguousBytes, CustomStringConvertible {
    @usableFromInline var storage: (UInt64, UInt64, UInt64, UInt64)

    public static let zero = Hash32(storage: (0, 0, 0, 0))
    public static let byteCount = 32

    @inlinable init(storage: (UInt64, UInt64, UInt64, UInt64)) { self.storage = storage }

    /// Exactly 32 bytes; anything else is refused. Inlinable so decoders specialise it.
    @inlinable
    public init(_ bytes: some Collection<UInt8>) throws(PrimitiveError) {
        guard bytes.count == 32 else { throw .wrongLength(what: "hash", expected: 32, actual: bytes.count) }
        self.init(copying: bytes)
    }

    /// 32 bytes whose length the caller has already checked (a field of a fixed layout, a
    /// length-checked slice, a MAC's output), so there is nothing to throw.
    ///
    /// - Precondition: `bytes.count == 32`. Any other length is a programmer error and traps.
    @inlinable
    public init(exactly bytes: some Collection<UInt8>) {
        precondition(bytes.count == 32, "Hash32(exactly:) needs 32 bytes, got \(bytes.count)")
        self.init(copying: bytes)
    }

    /// A constant written in the source: `0x` + 64 hex digits (read as by `init(hex:)`).
    ///
    /// - Precondition: the literal is such a hash. A malformed one is a programmer error and
    ///   traps, with the parse error, the first time the constant is used.
    public init(hexLiteral text: StaticString) {
        do { try self.init(hex: text.description) } catch {
            preconditionFailure("Hash32(hexLiteral: \"\(text)\"): \(error)")
        }
    }

    /// Copies `bytes`, whose count is 32.
    @inlinable
    init(copying bytes: some Collection<UInt8>) {
        self = .zero
        withUnsafeMutableBytes { out in
            for (i, byte) in bytes.enumerated() { out[i] = byte }
        }
    }

    /// Parses DATA of exactly 32 bytes (`0x` + 64 hex digits).
    public init(hex: some StringProtocol) throws(PrimitiveError) {
        do {
            try self.init(try Hex.decodeData(hex, count: 32))
        } catch let error as HexError {
            throw .hex(error)
        } catch let error as PrimitiveError {
            throw error
        } catch { fatalError("unreachable") }
    }

    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: storage, body)
    }

    @inlinable
    public mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeMutableBytes(of: &storage, body)
    }

    public static func == (a: Hash32, b: Hash32) -> Bool {
        a.storage.0 == b.storage.0 && a.storage.1 == b.storage.1 && a.storage.2 == b.storage.2
            && a.storage.3 == b.storage.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.0)
        hasher.combine(storage.1)
        hasher.combine(storage.2)
        hasher.combine(storage.3)
    }

    /// Byte-wise (big-endian) order.
    public static func < (a: Hash32, b: Hash32) -> Bool {
        a.withUnsafeBytes { x in b.withUnsafeBytes { y in x.lexicographicallyPrecedes(y) } }
    }

    public var hex: String { withUnsafeBytes { Hex.encode($0) } }
    public var description: String { hex }
}
