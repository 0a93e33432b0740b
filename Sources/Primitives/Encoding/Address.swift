#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A 20-byte Ethereum account address.
///
/// Parsing accepts all-lower-case or all-upper-case hex, and mixed case only when it is a
/// valid EIP-55 checksum, so a mistyped address is caught rather than funded.
public struct Address: Hashable, Sendable, Comparable, ContiguousBytes, CustomStringConvertible {
    @usableFromInline var storage: (UInt64, UInt64, UInt32)

    public static let zero = Address(storage: (0, 0, 0))
    public static let byteCount = 20

    @inlinable init(storage: (UInt64, UInt64, UInt32)) { self.storage = storage }

    /// Exactly 20 bytes. Inlinable so decoders specialise it for their slices.
    @inlinable
    public init(_ bytes: some Collection<UInt8>) throws(PrimitiveError) {
        guard bytes.count == 20 else { throw .wrongLength(what: "address", expected: 20, actual: bytes.count) }
        self.init(copying: bytes)
    }

    /// 20 bytes whose length the caller has already checked (a field of a fixed layout, a
    /// length-checked slice), so there is nothing to throw.
    ///
    /// - Precondition: `bytes.count == 20`. Any other length is a programmer error and traps.
    @inlinable
    public init(exactly bytes: some Collection<UInt8>) {
        precondition(bytes.count == 20, "Address(exactly:) needs 20 bytes, got \(bytes.count)")
        self.init(copying: bytes)
    }

    /// A constant written in the source: `0x` + 40 hex digits (read as by `init(hex:)`,
    /// so a mixed-case literal must carry a valid EIP-55 checksum).
    ///
    /// - Precondition: the literal is such an address. A malformed one is a programmer error
    ///   and traps, with the parse error, the first time the constant is used.
    public init(hexLiteral text: StaticString) {
        do { try self.init(hex: text.description) } catch {
            preconditionFailure("Address(hexLiteral: \"\(text)\"): \(error)")
        }
    }

    /// Copies `bytes`, whose count is 20.
    @inlinable
    init(copying bytes: some Collection<UInt8>) {
        self = .zero
        withUnsafeMutableBytes { out in
            for (i, byte) in bytes.enumerated() { out[i] = byte }
        }
    }

    /// The last 20 bytes of a 32-byte word (how addresses sit in ABI words and public-key hashes).
    public init(lastTwentyBytesOf word: Hash32) {
        self = .zero
        word.withUnsafeBytes { source in
            withUnsafeMutableBytes { out in
                for i in 0..<20 { out[i] = source[12 + i] }
            }
        }
    }

    /// Parses `0x` + 40 hex digits, checking the EIP-55 checksum when the case is mixed.
    public init(hex text: some StringProtocol) throws(PrimitiveError) {
        let bytes: [UInt8]
        do { bytes = try Hex.decodeData(text, count: 20) } catch { throw .hex(error) }
        try self.init(bytes)
        let digits = text.utf8.dropFirst(2)
        let hasUpper = digits.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "F") }
        let hasLower = digits.contains { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f") }
        if hasUpper && hasLower && String(text.dropFirst(2)) != String(checksummed.dropFirst(2)) {
            throw .invalidChecksum(String(text))
        }
    }

    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: storage) { try body(UnsafeRawBufferPointer(rebasing: $0[0..<20])) }
    }

    @inlinable
    public mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeMutableBytes(of: &storage) { try body(UnsafeMutableRawBufferPointer(rebasing: $0[0..<20])) }
    }

    public static func == (a: Address, b: Address) -> Bool {
        a.storage.0 == b.storage.0 && a.storage.1 == b.storage.1 && a.storage.2 == b.storage.2
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.0)
        hasher.combine(storage.1)
        hasher.combine(storage.2)
    }

    public static func < (a: Address, b: Address) -> Bool {
        a.withUnsafeBytes { x in b.withUnsafeBytes { y in x.lexicographicallyPrecedes(y) } }
    }

    /// Lower-case `0x` hex.
    public var hex: String { withUnsafeBytes { Hex.encode($0) } }

    /// EIP-55 mixed-case form: a hex letter is upper case where the matching nibble of
    /// keccak256(lower-case hex) is 8 or more.
    public var checksummed: String {
        let lower = Array(withUnsafeBytes { Hex.encode($0, prefix: false) }.utf8)
        let digest = Keccak256.hash(lower).bytes
        var out: [UInt8] = [UInt8(ascii: "0"), UInt8(ascii: "x")]
        out.reserveCapacity(42)
        for (i, character) in lower.enumerated() {
            let nibble = i % 2 == 0 ? digest[i / 2] >> 4 : digest[i / 2] & 0x0f
            out.append(character >= UInt8(ascii: "a") && nibble >= 8 ? character - 32 : character)
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { checksummed }
}
