import Foundation
import Primitives

/// The console's server-side session table: a random token in the browser's cookie, the
/// signed-in caller here. A session ends at sign-out, after `idleTimeout` without a request,
/// or `maxLifetime` after sign-in, whichever comes first; a restart ends them all.
///
/// Only the SHA-256 of a token is kept, so the table never holds what a browser presents.
actor ConsoleSessions {
    struct Session: Sendable {
        /// Who signed in (re-checked against the policy in force on every request).
        let caller: CallerIdentity
        /// The form token every state-changing POST of this session must carry.
        let formToken: String
        let created: Date
        var lastSeen: Date
    }

    let idleTimeout: TimeInterval
    let maxLifetime: TimeInterval
    /// More open sessions than this and the oldest are dropped: memory stays bounded.
    let capacity: Int
    private let now: @Sendable () -> Date
    private var sessions: [String: Session] = [:]

    init(
        idleTimeout: TimeInterval, maxLifetime: TimeInterval, capacity: Int = 10_000,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.idleTimeout = idleTimeout
        self.maxLifetime = maxLifetime
        self.capacity = capacity
        self.now = now
    }

    /// Opens a session; returns the token for the cookie and the session.
    func open(for caller: CallerIdentity) -> (token: String, session: Session) {
        let time = now()
        removeExpired(at: time)
        if sessions.count >= capacity, let oldest = sessions.min(by: { $0.value.lastSeen < $1.value.lastSeen }) {
            sessions[oldest.key] = nil
        }
        let token = Self.randomToken()
        let session = Session(caller: caller, formToken: Self.randomToken(), created: time, lastSeen: time)
        sessions[Self.key(token)] = session
        return (token, session)
    }

    /// The live session behind `token`, its idle clock restarted; nil when unknown or expired
    /// (an expired one is removed).
    func use(_ token: String) -> Session? {
        let key = Self.key(token)
        guard var session = sessions[key] else { return nil }
        let time = now()
        guard !isExpired(session, at: time) else {
            sessions[key] = nil
            return nil
        }
        session.lastSeen = time
        sessions[key] = session
        return session
    }

    /// Ends the session behind `token` (sign-out, or its member lost access).
    func close(_ token: String) { sessions[Self.key(token)] = nil }

    var count: Int { sessions.count }

    private func isExpired(_ session: Session, at time: Date) -> Bool {
        time.timeIntervalSince(session.lastSeen) >= idleTimeout
            || time.timeIntervalSince(session.created) >= maxLifetime
    }

    private func removeExpired(at time: Date) {
        sessions = sessions.filter { !isExpired($0.value, at: time) }
    }

    /// 32 random bytes as hex: unguessable, and a valid cookie value.
    static func randomToken() -> String { Hex.encode(SecureRandom.bytes(32), prefix: false) }

    static func key(_ token: String) -> String { SHA256.hash(Array(token.utf8)).hex }

    /// Compares two secrets in time independent of where they differ.
    static func sameSecret(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
