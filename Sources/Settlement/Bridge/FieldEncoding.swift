import Primitives
import StarkCrypto
import StarkMath

/// How bridge records become Goldilocks elements for RPO hashing, so that the node, the
/// L1 and (later) the batch AIR hash exactly the same elements.
///
/// Every value is split into 32-bit limbs of its unsigned big-endian integer value,
/// least significant limb first. A 32-bit limb is always below the Goldilocks modulus, so
/// the encoding is injective and needs no range reduction: addresses take 5 limbs,
/// amounts 8, 64-bit integers 2.
public enum FieldEncoding {
    /// An address as the 160-bit integer of its 20 bytes: 5 limbs, least significant first.
    public static func limbs(_ address: Address) -> [Goldilocks] {
        limbs(bigEndian: address.bytes)
    }

    /// A 256-bit amount: 8 limbs, least significant first.
    public static func limbs(_ amount: UInt256) -> [Goldilocks] {
        limbs(bigEndian: amount.bigEndianBytes)
    }

    /// A 64-bit integer: 2 limbs, low then high.
    public static func limbs(_ value: UInt64) -> [Goldilocks] {
        [Goldilocks(canonicalLimb: value & 0xFFFF_FFFF), Goldilocks(canonicalLimb: value >> 32)]
    }

    /// A domain tag: its ASCII bytes, zero-padded to a multiple of 4, each group of 4 bytes
    /// read as a little-endian 32-bit limb ("abcd" → 0x64636261).
    public static func tag(_ text: String) -> [Goldilocks] {
        var bytes = Array(text.utf8)
        while bytes.count % 4 != 0 { bytes.append(0) }
        return stride(from: 0, to: bytes.count, by: 4).map { start in
            let word = (0..<4).reduce(UInt64(0)) { $0 | UInt64(bytes[start + $1]) << (8 * UInt64($1)) }
            return Goldilocks(canonicalLimb: word)
        }
    }

    /// Big-endian bytes (a multiple of 4) as 32-bit limbs, least significant first.
    static func limbs(bigEndian bytes: [UInt8]) -> [Goldilocks] {
        precondition(bytes.count % 4 == 0, "limb encoding needs a multiple of 4 bytes")
        return stride(from: bytes.count, to: 0, by: -4).map { end in
            let word = bytes[(end - 4)..<end].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return Goldilocks(canonicalLimb: word)
        }
    }
}

extension Goldilocks {
    /// A value below 2^32, always canonical.
    init(canonicalLimb value: UInt64) {
        precondition(value <= 0xFFFF_FFFF, "a limb holds 32 bits")
        self.init(reducing: value)
    }
}

extension Hash32 {
    /// The 32-byte encoding of an RPO digest (four little-endian Goldilocks elements).
    public init(rpo digest: RPODigest) {
        do { self = try Hash32(digest.bytes) } catch { preconditionFailure("an RPO digest is 32 bytes") }
    }
}

extension RPODigest {
    /// Reads a digest sent as 32 bytes, refusing non-canonical elements.
    init(hash: Hash32, what: @autoclosure () -> String) throws(SettlementError) {
        do { try self.init(bytes: hash.bytes) } catch {
            throw .invalid(
                "\(what()) \(hash.hex) is not an RPO digest (four canonical little-endian Goldilocks elements)")
        }
    }
}
