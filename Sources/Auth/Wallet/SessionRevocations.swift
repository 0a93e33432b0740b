import Primitives

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The sessions ``WalletSignIn`` ended early, kept until their tokens expire anyway, and
/// their stored form (what a ``SessionRevocationStore`` holds).
///
/// Three kinds of entry, all needed to keep a restart from undoing a revocation:
/// * one session (sign-out): refused until its token's absolute expiry;
/// * one address (``WalletSignIn/revokeAll(for:)``): every token of that address issued
///   before a given second is refused, including tokens from before a restart that this
///   process has not seen yet;
/// * every token issued before a given second: set when the saved list could not be read at
///   start, so that saving this process's list does not bring back what the lost one refused.
struct SessionRevocations: Equatable, Sendable {
    struct RevokedSession: Equatable, Sendable {
        var address: Address
        /// The token's issue time (Unix seconds): with the session lifetime, when the entry can go.
        var issuedAt: UInt64
    }

    var sessions: [SessionID: RevokedSession] = [:]
    /// Per address, the second before which every token of the address is revoked.
    var addresses: [Address: UInt64] = [:]
    /// The second before which every token is refused; 0 for none.
    var allIssuedBefore: UInt64 = 0

    static let domainSeparator = Array("cloister/session-revocations/v1".utf8) + [0]

    init() {}

    /// True when a token with these fields was revoked (``allIssuedBefore`` aside).
    func contains(_ token: SessionToken) -> Bool {
        if sessions[token.sessionID] != nil { return true }
        if let before = addresses[token.address], token.issuedAt < before { return true }
        return false
    }

    var count: Int { sessions.count + addresses.count + (allIssuedBefore == 0 ? 0 : 1) }

    /// Drops entries that can no longer refuse anything: every token they name has expired.
    mutating func dropExpired(now: Date, lifetime: TimeInterval) {
        func expired(_ issuedAt: UInt64) -> Bool {
            Date(timeIntervalSince1970: Double(issuedAt)).addingTimeInterval(lifetime) <= now
        }
        sessions = sessions.filter { !expired($0.value.issuedAt) }
        addresses = addresses.filter { !expired($0.value) }
        if expired(allIssuedBefore) { allIssuedBefore = 0 }
    }

    /// `cloister/session-revocations/v1` ‖ 0x00, then big-endian: ``allIssuedBefore`` (8 bytes),
    /// the session count (4)
    /// and per session its id (16) ‖ address (20) ‖ issue time (8); the address count (4)
    /// and per address the address (20) ‖ revoked-before second (8). Entries are sorted, so
    /// equal sets encode to equal bytes.
    var encoded: [UInt8] {
        var bytes = Self.domainSeparator
        bytes.reserveCapacity(bytes.count + 8 + sessions.count * 44 + addresses.count * 28)
        append(allIssuedBefore, width: 8, to: &bytes)
        append(UInt64(sessions.count), width: 4, to: &bytes)
        for (id, session) in sessions.sorted(by: { $0.key < $1.key }) {
            bytes += id.bytes
            bytes += session.address.bytes
            append(session.issuedAt, width: 8, to: &bytes)
        }
        append(UInt64(addresses.count), width: 4, to: &bytes)
        for (address, before) in addresses.sorted(by: { $0.key.bytes.lexicographicallyPrecedes($1.key.bytes) }) {
            bytes += address.bytes
            append(before, width: 8, to: &bytes)
        }
        return bytes
    }

    /// Reads ``encoded``; anything else (another version, a truncated or padded list) is refused.
    init(decoding bytes: [UInt8]) throws(AuthError) {
        var reader = Reader(bytes: bytes)
        guard reader.take(Self.domainSeparator.count) == Self.domainSeparator,
            let allIssuedBefore = reader.integer(width: 8), let sessionCount = reader.integer(width: 4)
        else { throw Self.unreadable }
        self.allIssuedBefore = allIssuedBefore
        for _ in 0..<sessionCount {
            guard let id = reader.take(16), let address = reader.take(20), let issuedAt = reader.integer(width: 8)
            else { throw Self.unreadable }
            sessions[SessionID(id)] = RevokedSession(address: Address(exactly: address), issuedAt: issuedAt)
        }
        guard let addressCount = reader.integer(width: 4) else { throw Self.unreadable }
        for _ in 0..<addressCount {
            guard let address = reader.take(20), let before = reader.integer(width: 8) else { throw Self.unreadable }
            addresses[Address(exactly: address)] = before
        }
        guard reader.isAtEnd else { throw Self.unreadable }
    }

    private static let unreadable = AuthError.revocationsUnavailable.with(
        "the saved session revocations are not in a format this node reads (cloister/session-revocations/v1)")

    private func append(_ value: UInt64, width: Int, to bytes: inout [UInt8]) {
        for index in (0..<width).reversed() { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(index)))) }
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        var isAtEnd: Bool { offset == bytes.count }

        mutating func take(_ count: Int) -> [UInt8]? {
            guard bytes.count - offset >= count else { return nil }
            defer { offset += count }
            return Array(bytes[offset..<offset + count])
        }

        mutating func integer(width: Int) -> UInt64? {
            take(width).map { $0.reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
        }
    }
}
