import Primitives

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// EIP-4361 Sign-In with Ethereum: challenge → signed message → session token.
///
/// Challenges and sessions live in this actor's memory. Sessions survive a restart when the
/// node gives a session key that outlives the process and a ``SessionRevocationStore``: a
/// genuine token from before the restart, not expired and not revoked, is taken back into
/// the session table the first time it is presented. Its idle clock counts from the restart at
/// the latest (what the last process saw of its use is gone), so a session idle when the node
/// stopped gets at most one more idle timeout. Without a revocation store, a restart signs
/// every wallet out, which is the safe direction.
///
/// Both tables are bounded (see ``Configuration``) because anyone can ask for a challenge;
/// who may sign in is the caller's to decide (`login(message:signature:admitting:)`).
public actor WalletSignIn {
    public struct Configuration: Sendable {
        /// The RFC 3986 authority wallets see and that messages must name, e.g. `127.0.0.1:8545`.
        public var domain: String
        /// The resource being signed in to, e.g. `http://127.0.0.1:8545`; messages must name it.
        public var uri: String
        public var chainID: UInt64
        /// The line a wallet shows the person signing; one line, no control characters.
        public var statement: String
        /// How long a challenge's nonce can be used.
        public var challengeLifetime: Duration
        /// A session unused for this long ends; each successful use restarts the count.
        public var sessionIdleTimeout: Duration
        /// A session ends this long after sign-in, however busy.
        public var sessionLifetime: Duration
        /// Unused challenges kept at most; past it the oldest are dropped.
        public var maxOutstandingChallenges: Int
        /// Sessions kept at most; past it sign-ins are refused until some end.
        public var maxSessions: Int
        /// Sessions one address may hold; past it its oldest session ends.
        public var maxSessionsPerAddress: Int

        public init(
            domain: String, uri: String, chainID: UInt64, statement: String = "Sign in to Cloister.",
            challengeLifetime: Duration = .seconds(5 * 60), sessionIdleTimeout: Duration = .seconds(30 * 60),
            sessionLifetime: Duration = .seconds(12 * 60 * 60), maxOutstandingChallenges: Int = 10_000,
            maxSessions: Int = 100_000, maxSessionsPerAddress: Int = 16
        ) {
            self.domain = domain
            self.uri = uri
            self.chainID = chainID
            self.statement = statement
            self.challengeLifetime = challengeLifetime
            self.sessionIdleTimeout = sessionIdleTimeout
            self.sessionLifetime = sessionLifetime
            self.maxOutstandingChallenges = maxOutstandingChallenges
            self.maxSessions = maxSessions
            self.maxSessionsPerAddress = maxSessionsPerAddress
        }

        /// Throws ``AuthError/invalidConfiguration`` naming the first setting that cannot work,
        /// e.g. a URL given as the domain, which would make every sign-in fail.
        public func validate() throws(AuthError) {
            func refuse(_ why: String) -> AuthError { AuthError.invalidConfiguration.with("wallet sign-in: \(why)") }
            guard !domain.isEmpty, !domain.contains("://"),
                domain.unicodeScalars.allSatisfy(SignInMessage.isAuthorityCharacter)
            else { throw refuse("domain must be a host and optional port such as 127.0.0.1:8545, not a URL") }
            guard SignInMessage.isURI(uri) else {
                throw refuse("uri must be an absolute URI such as http://127.0.0.1:8545")
            }
            guard !statement.unicodeScalars.contains(where: \.breaksLine) else {
                throw refuse("statement must be one line without control characters")
            }
            guard challengeLifetime > .zero, sessionIdleTimeout > .zero, sessionLifetime > .zero else {
                throw refuse("challenge lifetime, session idle timeout and session lifetime must be positive")
            }
            guard maxOutstandingChallenges > 0, maxSessions > 0, maxSessionsPerAddress > 0 else {
                throw refuse("the challenge and session limits must be positive")
            }
        }
    }

    private struct Challenge {
        var address: Address
        var expiresAt: Date
    }

    private struct Session {
        var address: Address
        var issuedAt: UInt64
        var expiresAt: Date
        var lastUsed: Date
    }

    private let configuration: Configuration
    private let sessionKey: [UInt8]
    private let clock: @Sendable () -> Date
    private let idleTimeout: TimeInterval
    private let lifetime: TimeInterval
    private let revocationStore: (any SessionRevocationStore)?
    /// When this instance started. Tokens issued in an earlier second come from an earlier
    /// process; of those issued in the start second itself, this instance's are listed in
    /// ``issuedInStartSecond`` (tokens carry whole seconds, and a quick restart can share one).
    private let startedAt: Date
    private let startSecond: UInt64
    private var issuedInStartSecond: Set<SessionID> = []
    /// Whether tokens from an earlier process may be taken back: only when its revocations are known.
    private let acceptsEarlierTokens: Bool

    /// Why the saved revocations could not be read at start, if they could not; this instance
    /// then accepts no token issued before it started (every earlier session has ended).
    public nonisolated let restoreFailure: AuthError?

    /// Outstanding nonces, and the order they were issued in (for dropping the oldest).
    private var challenges: [String: Challenge] = [:]
    private var challengeOrder: [String] = []
    private var challengeOrderStart = 0

    private var sessions: [SessionID: Session] = [:]
    private var sessionsByAddress: [Address: Set<SessionID>] = [:]
    /// Revocations until their tokens' absolute expiry, so revoked tokens say "revoked" rather
    /// than "unknown", and so that a restart does not take them back.
    private var revoked = SessionRevocations()
    private var sweepThreshold = 1024

    /// The configuration must pass ``Configuration/validate()`` (checked here as a precondition:
    /// validate when reading settings to report problems as errors).
    /// - Parameters:
    ///   - sessionKey: at least 32 bytes; the HMAC key of session tokens. For sessions to
    ///     survive a restart it must be the same in the next process (the node derives it from
    ///     the chain's data key); a random key per process signs everyone out on restart.
    ///   - revocations: where revocations outlive the process. With one, tokens issued by an
    ///     earlier process under the same key are accepted; without one they are refused as
    ///     unknown sessions, since their sign-outs would be forgotten.
    ///   - clock: the current time; tests inject one to cross expiries without waiting.
    public init(
        configuration: Configuration, sessionKey: [UInt8], revocations: (any SessionRevocationStore)? = nil,
        clock: @escaping @Sendable () -> Date = Date.init
    ) {
        precondition(sessionKey.count >= 32, "the session key must be at least 32 bytes")
        do {
            try configuration.validate()
        } catch {
            preconditionFailure("\(error) (call Configuration.validate() when reading settings)")
        }
        self.configuration = configuration
        self.sessionKey = sessionKey
        self.clock = clock
        idleTimeout = configuration.sessionIdleTimeout.timeInterval
        lifetime = configuration.sessionLifetime.timeInterval
        revocationStore = revocations
        startedAt = clock()
        startSecond = UInt64(max(0, startedAt.timeIntervalSince1970.rounded(.down)))

        var restored = SessionRevocations()
        var failure: AuthError?
        if let revocations {
            do {
                if let bytes = try revocations.load() { restored = try SessionRevocations(decoding: bytes) }
                restored.dropExpired(now: startedAt, lifetime: lifetime)
            } catch let error as AuthError where error == .revocationsUnavailable {
                failure = error
            } catch {
                failure = AuthError.revocationsUnavailable.with(
                    "the saved session revocations cannot be read: \(error)")
            }
        }
        if failure != nil {
            // Whatever the lost list refused stays refused, in this process and, once this
            // process saves its own list, in the next: no earlier token is accepted.
            restored = SessionRevocations()
            restored.allIssuedBefore = startSecond
        }
        revoked = restored
        restoreFailure = failure
        acceptsEarlierTokens = revocations != nil && failure == nil
    }

    // MARK: - Challenge

    /// The EIP-4361 message for `address` to sign, with a fresh single-use nonce.
    ///
    /// The nonce is bound to `address`: a message naming another address is refused at login.
    public func challenge(for address: Address) -> (message: String, nonce: String, expiresAt: Date) {
        let now = Date(timeIntervalSince1970: clock().timeIntervalSince1970.rounded(.down))
        dropChallenges(now: now)
        let nonce = Hex.encode(SecureRandom.bytes(16), prefix: false)
        let expiresAt = now.addingTimeInterval(configuration.challengeLifetime.timeInterval)
        challenges[nonce] = Challenge(address: address, expiresAt: expiresAt)
        challengeOrder.append(nonce)
        let message = SignInMessage(
            domain: configuration.domain, address: address,
            statement: configuration.statement.isEmpty ? nil : configuration.statement, uri: configuration.uri,
            chainID: configuration.chainID, nonce: nonce, issuedAt: now, expirationTime: expiresAt)
        return (message.text, nonce, expiresAt)
    }

    /// Drops expired challenges, and the oldest ones beyond the configured bound.
    private func dropChallenges(now: Date) {
        while challengeOrderStart < challengeOrder.count {
            let nonce = challengeOrder[challengeOrderStart]
            if let challenge = challenges[nonce] {
                guard challenge.expiresAt <= now || challenges.count >= configuration.maxOutstandingChallenges else {
                    break
                }
                challenges[nonce] = nil
            }
            challengeOrderStart += 1
        }
        if challengeOrderStart > 1024 && challengeOrderStart * 2 > challengeOrder.count {
            challengeOrder.removeFirst(challengeOrderStart)
            challengeOrderStart = 0
        }
    }

    // MARK: - Login

    /// Checks a signed sign-in message and opens a session.
    ///
    /// The nonce is consumed on the first attempt that names it, whether the attempt
    /// succeeds or not, so a refused signature cannot be retried against the same challenge.
    /// Checks run cheapest first; the signature is recovered last.
    /// - Parameter isAdmitted: whether the signer may sign in at all (e.g. is an active member);
    ///   asked only once the signature is verified, so only a key's holder learns the answer.
    ///   A refused signer gets ``AuthError/notAdmitted`` and no session.
    /// - Returns: the session token, its absolute expiry (idle expiry may come sooner), and the address.
    public func login(
        message: String, signature: String, admitting isAdmitted: @Sendable (Address) -> Bool = { _ in true }
    ) throws(AuthError) -> (
        token: String, expiresAt: Date, address: Address
    ) {
        let now = clock()
        let consumed = consumeNonces(named: message)
        let parsed = try SignInMessage(parsing: message)
        guard let challenge = consumed[parsed.nonce] else { throw .nonceUnknownOrUsed }

        if let scheme = parsed.scheme, !configuration.uri.lowercased().hasPrefix(scheme.lowercased() + "://") {
            throw AuthError.wrongDomain.with(
                "the sign-in message's scheme \(scheme) does not match this node's URI \(configuration.uri)")
        }
        guard parsed.domain == configuration.domain else {
            throw AuthError.wrongDomain.with(
                "the sign-in message is for another domain: this node signs in for \(configuration.domain)")
        }
        guard parsed.uri == configuration.uri else {
            throw AuthError.wrongURI.with("the sign-in message is for another URI: this node's is \(configuration.uri)")
        }
        guard parsed.chainID == configuration.chainID else {
            throw AuthError.wrongChainID.with(
                "the sign-in message is for chain \(parsed.chainID): this node's chain id is \(configuration.chainID)")
        }
        guard parsed.address == challenge.address else { throw .wrongAddress }
        guard now < challenge.expiresAt else {
            throw AuthError.expired.with("the challenge has expired: request a new one and sign it promptly")
        }
        if let expirationTime = parsed.expirationTime, now >= expirationTime {
            throw AuthError.expired.with("the sign-in message's Expiration Time has passed: request a new challenge")
        }
        if let notBefore = parsed.notBefore, now < notBefore {
            throw AuthError.notYetValid.with("the sign-in message's Not Before time has not come yet")
        }

        let signer = try PersonalMessage.recoverSigner(message: message, signature: signature)
        guard signer == parsed.address else { throw .signerMismatch }
        guard isAdmitted(signer) else {
            throw AuthError.notAdmitted.with(
                "\(signer.checksummed) is not an active member of this chain: ask the operator to add or reinstate it")
        }
        return try openSession(for: signer, now: now)
    }

    /// Removes every nonce on a `Nonce: ` line of `message` from the outstanding set, and
    /// returns the challenges that were outstanding.
    private func consumeNonces(named message: String) -> [String: Challenge] {
        guard message.utf8.count <= SignInMessage.maximumLength else { return [:] }
        var consumed: [String: Challenge] = [:]
        for line in message.split(separator: "\n") where line.hasPrefix("Nonce: ") {
            let nonce = String(line.dropFirst("Nonce: ".count))
            if let challenge = challenges.removeValue(forKey: nonce) { consumed[nonce] = challenge }
        }
        return consumed
    }

    private func openSession(
        for address: Address, now: Date
    ) throws(AuthError) -> (
        token: String, expiresAt: Date, address: Address
    ) {
        let issuedAt = UInt64(max(0, now.timeIntervalSince1970.rounded(.down)))
        let token = SessionToken(sessionID: .random(), address: address, issuedAt: issuedAt)
        let session = try admit(token, now: now)
        if issuedAt == startSecond { issuedInStartSecond.insert(token.sessionID) }
        return (token.encoded(key: sessionKey), session.expiresAt, address)
    }

    /// Puts a session in the table, used `now`. Past its address's limit the oldest sessions end
    /// (the newest are kept, so a token older than all of a full address's sessions is refused).
    private func admit(_ token: SessionToken, now: Date) throws(AuthError) -> Session {
        if sessions.count + revoked.count >= sweepThreshold || sessions.count >= configuration.maxSessions {
            sweepSessions(now: now)
        }
        let address = token.address
        var owned = sessionsByAddress[address] ?? []
        if owned.count >= configuration.maxSessionsPerAddress,
            owned.allSatisfy({ sessions[$0]!.issuedAt > token.issuedAt })
        {
            throw AuthError.unknownSession.with(
                "the session ended: this account holds \(configuration.maxSessionsPerAddress) newer sessions, "
                    + "the most one account may hold: sign in again")
        }
        while owned.count >= configuration.maxSessionsPerAddress,
            let oldest = owned.min(by: { sessions[$0]!.issuedAt < sessions[$1]!.issuedAt })
        {
            owned.remove(oldest)
            sessions[oldest] = nil
        }
        sessionsByAddress[address] = owned
        guard sessions.count < configuration.maxSessions else { throw .tooManySessions }

        let expiresAt = Date(timeIntervalSince1970: Double(token.issuedAt)).addingTimeInterval(lifetime)
        let session = Session(address: address, issuedAt: token.issuedAt, expiresAt: expiresAt, lastUsed: now)
        sessions[token.sessionID] = session
        sessionsByAddress[address, default: []].insert(token.sessionID)
        return session
    }

    // MARK: - Sessions

    /// The address a session token was issued for, if the token is genuine and its session is live.
    ///
    /// Expiry is absolute (``Configuration/sessionLifetime`` after sign-in) and idle
    /// (``Configuration/sessionIdleTimeout`` since the last successful use, which this call renews).
    /// A genuine token from before a restart that this process has not seen yet counts as last
    /// used at the restart, and is taken back into the table (see the type's summary).
    public func verify(sessionToken: String) throws(AuthError) -> Address {
        let token = try SessionToken.decode(sessionToken, key: sessionKey)
        let now = clock()
        if now >= Date(timeIntervalSince1970: Double(token.issuedAt)).addingTimeInterval(lifetime) {
            endSession(token.sessionID)
            throw AuthError.expired.with(
                "the session has reached its maximum lifetime of \(Self.describe(lifetime)): sign in again")
        }
        if token.issuedAt < revoked.allIssuedBefore { throw .unknownSession }
        if revoked.contains(token) { throw .revoked }
        guard var session = sessions[token.sessionID] else { return try readmit(token, now: now) }
        guard session.address == token.address, session.issuedAt == token.issuedAt else { throw .unknownSession }
        guard now.timeIntervalSince(session.lastUsed) < idleTimeout else {
            endSession(token.sessionID)
            throw idleExpiry
        }
        session.lastUsed = max(session.lastUsed, now)
        sessions[token.sessionID] = session
        return session.address
    }

    /// Takes back the session of a genuine, unexpired, unrevoked token that is not in the table:
    /// one issued by an earlier process, presented within an idle timeout of this start (its
    /// last use before the restart is unknown, so the restart counts as one).
    ///
    /// A token this instance issued is never taken back: its session ended here. Nor is one
    /// taken back here that then went idle: that happens an idle timeout after its last use,
    /// so after the window below has closed.
    private func readmit(_ token: SessionToken, now: Date) throws(AuthError) -> Address {
        guard acceptsEarlierTokens, isFromAnEarlierProcess(token) else { throw .unknownSession }
        guard now.timeIntervalSince(startedAt) < idleTimeout else { throw idleExpiry }
        _ = try admit(token, now: now)
        return token.address
    }

    private func isFromAnEarlierProcess(_ token: SessionToken) -> Bool {
        token.issuedAt < startSecond
            || (token.issuedAt == startSecond && !issuedInStartSecond.contains(token.sessionID))
    }

    private var idleExpiry: AuthError {
        AuthError.expired.with("the session was idle for more than \(Self.describe(idleTimeout)): sign in again")
    }

    /// Ends the session of a genuine token (sign-out). Unknown or forged tokens are ignored.
    ///
    /// The session ends at once. With a ``SessionRevocationStore`` the revocation is saved
    /// before this returns; a thrown error says it could not be, and so may not outlive a restart.
    public func revoke(sessionToken: String) throws(AuthError) {
        guard let token = try? SessionToken.decode(sessionToken, key: sessionKey) else { return }
        endSession(token.sessionID)
        let expiry = Date(timeIntervalSince1970: Double(token.issuedAt)).addingTimeInterval(lifetime)
        guard expiry > clock() else { return }
        revoked.sessions[token.sessionID] = .init(address: token.address, issuedAt: token.issuedAt)
        try saveRevocations()
    }

    /// Ends every session of `address` (e.g. when a member is removed or a key is reported lost),
    /// including sessions from before a restart that this process has not seen yet.
    ///
    /// Saved like ``revoke(sessionToken:)``. Signing in again afterwards works, from the same second on.
    public func revokeAll(for address: Address) throws(AuthError) {
        let now = clock()
        let second = UInt64(max(0, now.timeIntervalSince1970.rounded(.down)))
        // Tokens issued before this second are refused by the address entry; the sessions of
        // this very second are named one by one, so that a sign-in later in it stays valid.
        for id in sessionsByAddress[address] ?? [] {
            if let session = sessions[id], session.issuedAt >= second {
                revoked.sessions[id] = .init(address: address, issuedAt: session.issuedAt)
            }
            endSession(id)
        }
        revoked.sessions = revoked.sessions.filter { $0.value.address != address || $0.value.issuedAt >= second }
        revoked.addresses[address] = max(revoked.addresses[address] ?? 0, second)
        try saveRevocations()
    }

    /// The number of live sessions (for metrics).
    public var sessionCount: Int { sessions.count }

    private func saveRevocations() throws(AuthError) {
        guard let revocationStore else { return }
        revoked.dropExpired(now: clock(), lifetime: lifetime)
        do {
            try revocationStore.save(revoked.encoded)
        } catch {
            let detail = (error as? AuthError)?.description ?? "\(error)"
            throw AuthError.revocationsUnavailable.with(
                "the session has ended on this node, but the revocation could not be saved "
                    + "and may not outlive a restart: \(detail)")
        }
    }

    private func endSession(_ id: SessionID) {
        guard let session = sessions.removeValue(forKey: id) else { return }
        sessionsByAddress[session.address]?.remove(id)
        if sessionsByAddress[session.address]?.isEmpty == true { sessionsByAddress[session.address] = nil }
    }

    /// Ends idle and expired sessions and forgets revocations past their expiry. Runs when
    /// the tables double (or are full), so its cost is spread over the sign-ins that grew them.
    private func sweepSessions(now: Date) {
        for (id, session) in sessions
        where now >= session.expiresAt || now.timeIntervalSince(session.lastUsed) >= idleTimeout {
            endSession(id)
        }
        revoked.dropExpired(now: now, lifetime: lifetime)
        sweepThreshold = max(1024, (sessions.count + revoked.count) * 2)
    }

    private static func describe(_ interval: TimeInterval) -> String {
        let seconds = Int(interval)
        if seconds % 3600 == 0 { return "\(seconds / 3600) h" }
        if seconds % 60 == 0 { return "\(seconds / 60) min" }
        return "\(seconds) s"
    }
}
