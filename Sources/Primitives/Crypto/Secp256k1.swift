import CSecp256k1
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// secp256k1 ECDSA through libsecp256k1 and its recovery module.
///
/// libsecp256k1 signs with low s but does not refuse high s when recovering; Ethereum
/// (EIP-2) does, so `recoverAddress` enforces it together with `1 ≤ r, s < n`.
public enum Secp256k1 {
    /// The group order n.
    public static let order = UInt256(words: (0xBFD2_5E8C_D036_4141, 0xBAAE_DCE6_AF48_A03B, 0xFFFF_FFFF_FFFF_FFFE, 0xFFFF_FFFF_FFFF_FFFF))
    /// n / 2: the largest s EIP-2 accepts.
    public static let halfOrder = UInt256(words: (0xDFE9_2F46_681B_20A0, 0x5D57_6E73_57A4_501D, 0xFFFF_FFFF_FFFF_FFFF, 0x7FFF_FFFF_FFFF_FFFF))

    /// One context for the process: read-only after creation, so safe to share across threads.
    nonisolated(unsafe) static let context: OpaquePointer = {
        guard let context = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE)) else {
            fatalError("libsecp256k1 could not create a context")
        }
        // Blinding against side channels while signing.
        let seed = SecureRandom.bytes(32)
        _ = secp256k1_context_randomize(context, seed)
        return context
    }()

    /// Recovers the signer's address from a 32-byte message hash and an (r, s, recovery id) signature.
    public static func recoverAddress(messageHash: Hash32, signature: RecoverableSignature) throws(CryptoError) -> Address {
        let publicKey = try recoverPublicKey(messageHash: messageHash, signature: signature)
        return publicKey.address
    }

    /// Recovers the uncompressed public key.
    public static func recoverPublicKey(messageHash: Hash32, signature: RecoverableSignature) throws(CryptoError) -> PublicKey {
        try signature.validate()
        var compact = [UInt8](repeating: 0, count: 64)
        compact.replaceSubrange(0..<32, with: signature.r.bigEndianBytes)
        compact.replaceSubrange(32..<64, with: signature.s.bigEndianBytes)
        var parsed = secp256k1_ecdsa_recoverable_signature()
        guard secp256k1_ecdsa_recoverable_signature_parse_compact(context, &parsed, compact, Int32(signature.recoveryID)) == 1
        else { throw .invalidSignature("r or s is not a valid scalar") }
        var publicKey = secp256k1_pubkey()
        let recovered = messageHash.withUnsafeBytes { hash in
            secp256k1_ecdsa_recover(context, &publicKey, &parsed, hash.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        guard recovered == 1 else { throw .recoveryFailed }
        return PublicKey(serializing: publicKey)
    }
}

/// An ECDSA signature with the recovery id (Ethereum's y parity).
public struct RecoverableSignature: Equatable, Sendable {
    public var r: UInt256
    public var s: UInt256
    /// 0 or 1: the parity of the y coordinate of the nonce point R.
    public var recoveryID: UInt8

    public init(r: UInt256, s: UInt256, recoveryID: UInt8) {
        self.r = r
        self.s = s
        self.recoveryID = recoveryID
    }

    /// The checks Ethereum applies before recovery: r and s in [1, n), s ≤ n/2 (EIP-2), recovery id 0 or 1.
    public func validate() throws(CryptoError) {
        guard !r.isZero, r < Secp256k1.order else { throw .invalidSignature("r must be in [1, n-1]") }
        guard !s.isZero, s < Secp256k1.order else { throw .invalidSignature("s must be in [1, n-1]") }
        guard s <= Secp256k1.halfOrder else {
            throw .invalidSignature("s is in the upper half of the curve order (EIP-2 requires low s)")
        }
        guard recoveryID <= 1 else { throw .invalidSignature("recovery id must be 0 or 1, got \(recoveryID)") }
    }
}

/// An uncompressed secp256k1 public key (64 bytes: x || y).
public struct PublicKey: Hashable, Sendable {
    public let bytes: [UInt8]

    init(serializing key: secp256k1_pubkey) {
        var key = key
        var output = [UInt8](repeating: 0, count: 65)
        var length = 65
        _ = secp256k1_ec_pubkey_serialize(Secp256k1.context, &output, &length, &key, UInt32(SECP256K1_EC_UNCOMPRESSED))
        bytes = Array(output[1...])
    }

    /// The Ethereum address: the last 20 bytes of keccak256(x || y).
    public var address: Address { Address(lastTwentyBytesOf: Keccak256.hash(bytes)) }
}

/// A secp256k1 private key. Its bytes are never printed by `description`.
public struct PrivateKey: Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// A new key from the CSPRNG.
    public static func generate() -> PrivateKey {
        while true {
            if let key = try? PrivateKey(bytes: SecureRandom.bytes(32)) { return key }
        }
    }

    /// 32 bytes, non-zero, below the group order.
    public init(bytes: [UInt8]) throws(CryptoError) {
        guard bytes.count == 32, secp256k1_ec_seckey_verify(Secp256k1.context, bytes) == 1 else {
            throw .invalidPrivateKey
        }
        self.bytes = bytes
    }

    /// `0x` + 64 hex digits, as in a key file.
    public init(hex: some StringProtocol) throws(CryptoError) {
        guard let bytes = try? Hex.decodeData(hex, count: 32) else { throw .invalidPrivateKey }
        try self.init(bytes: bytes)
    }

    public var publicKey: PublicKey {
        var key = secp256k1_pubkey()
        guard secp256k1_ec_pubkey_create(Secp256k1.context, &key, bytes) == 1 else {
            fatalError("a verified private key always has a public key")
        }
        return PublicKey(serializing: key)
    }

    public var address: Address { publicKey.address }

    /// Signs a 32-byte hash (RFC 6979 deterministic nonce; always low s).
    public func sign(messageHash: Hash32) -> RecoverableSignature {
        var signature = secp256k1_ecdsa_recoverable_signature()
        let ok = messageHash.withUnsafeBytes { hash in
            secp256k1_ecdsa_sign_recoverable(
                Secp256k1.context, &signature, hash.baseAddress!.assumingMemoryBound(to: UInt8.self), bytes, nil, nil)
        }
        precondition(ok == 1, "signing with a verified private key cannot fail")
        var compact = [UInt8](repeating: 0, count: 64)
        var recoveryID: Int32 = 0
        _ = secp256k1_ecdsa_recoverable_signature_serialize_compact(Secp256k1.context, &compact, &recoveryID, &signature)
        return RecoverableSignature(
            r: UInt256(bigEndianWord: compact[0..<32]), s: UInt256(bigEndianWord: compact[32..<64]),
            recoveryID: UInt8(recoveryID))
    }

    public var hex: String { Hex.encode(bytes) }
    public var description: String { "PrivateKey(address: \(address))" }
}
