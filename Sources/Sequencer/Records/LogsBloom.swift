import Primitives

/// The 2048-bit log bloom filter of the Ethereum yellow paper (three 11-bit indices from
/// keccak256 of each log address and topic).
public struct LogsBloom: Sendable, Equatable {
    public private(set) var bytes: [UInt8]

    public static var empty: LogsBloom { LogsBloom() }

    public init() { bytes = [UInt8](repeating: 0, count: 256) }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 256 else { return nil }
        self.bytes = bytes
    }

    /// Adds one value (an address or a topic).
    public mutating func insert(_ value: some ContiguousBytes) {
        Keccak256.hash(value).withUnsafeBytes { digest in
            for pair in stride(from: 0, to: 6, by: 2) {
                let bit = (Int(digest[pair]) << 8 | Int(digest[pair + 1])) & 0x7ff
                bytes[255 - bit / 8] |= 1 << UInt8(bit % 8)
            }
        }
    }

    public func contains(_ value: some ContiguousBytes) -> Bool {
        var probe = LogsBloom()
        probe.insert(value)
        return zip(probe.bytes, bytes).allSatisfy { $0 & $1 == $0 }
    }
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
