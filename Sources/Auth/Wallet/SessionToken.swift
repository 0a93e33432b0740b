import Primitives

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The session token a wallet sign-in returns, sent afterwards as `Authorization: Bearer`.
///
/// `cls1_` + base64url(session id ‖ address ‖ issued-at ‖ MAC), 76 bytes:
///
/// | bytes | field |
/// |---|---|
/// | 16 | session id, random: the key of the node's session table (idle time, revocation) |
/// | 20 | the signed-in address |
/// | 8 | issue time, Unix seconds, big-endian: absolute expiry is checked before any lookup |
/// | 32 | HMAC-SHA256(session key, `cloister/session/v1` ‖ 0x00 ‖ the 44 bytes above) |
///
/// The MAC lets the node refuse forged or altered tokens without touching its tables, and
/// binds the address to the session id so a token cannot be re-pointed at another account.
/// The version sits in the visible prefix so that a new format can coexist with this one.
struct SessionToken: Sendable, Equatable {
    static let prefix = "cls1_"
    static let payloadLength = 44
    static let encodedLength = payloadLength + 32
    static let domainSeparator = Array("cloister/session/v1".utf8) + [0]

    var sessionID: SessionID
    var address: Address
    /// Whole seconds since 1970.
    var issuedAt: UInt64

    func encoded(key: [UInt8]) -> String {
        let payload = self.payload
        return Self.prefix + Base64URL.encode(payload + Self.mac(payload, key: key).bytes)
    }

    /// Decodes and authenticates a token; nothing in an unauthenticated token is trusted.
    static func decode(_ token: String, key: [UInt8]) throws(AuthError) -> SessionToken {
        guard token.hasPrefix(prefix), let bytes = Base64URL.decode(utf8: token.utf8.dropFirst(prefix.utf8.count)),
            bytes.count == encodedLength
        else {
            throw AuthError.malformedToken.with(
                "the session token is malformed (expected 'cls1_' and 76 bytes of base64url): sign in again")
        }
        let payload = Array(bytes[0..<payloadLength])
        guard ConstantTime.equals(mac(payload, key: key).bytes, bytes[payloadLength...]) else {
            throw AuthError.badSignature.with(
                "the session token was not issued by this node or was altered: sign in again")
        }
        let sessionID = SessionID(bytes[0..<16])
        let address = Address(exactly: bytes[16..<36])
        let issuedAt = bytes[36..<44].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return SessionToken(sessionID: sessionID, address: address, issuedAt: issuedAt)
    }

    private var payload: [UInt8] {
        var bytes = sessionID.bytes
        bytes += address.bytes
        bytes += (0..<8).map { UInt8(truncatingIfNeeded: issuedAt >> (56 - 8 * $0)) }
        return bytes
    }

    private static func mac(_ payload: [UInt8], key: [UInt8]) -> Hash32 {
        HMACSHA256.authenticationCode(key: key, message: domainSeparator + payload)
    }
}

/// 128 random bits naming one session; stored inline as the session table's key.
struct SessionID: Hashable, Sendable, Comparable {
    var high: UInt64
    var low: UInt64

    static func < (a: SessionID, b: SessionID) -> Bool { (a.high, a.low) < (b.high, b.low) }

    static func random() -> SessionID { SessionID(high: SecureRandom.uint64(), low: SecureRandom.uint64()) }

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    init(_ bytes: some Collection<UInt8>) {
        precondition(bytes.count == 16)
        let array = Array(bytes)
        high = array[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
        low = array[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
    }

    var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
    }
}
