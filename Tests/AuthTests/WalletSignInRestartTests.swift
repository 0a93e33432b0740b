import Auth
import Foundation
import Primitives
import Synchronization
import Testing

/// Revocations kept in memory, standing in for the node's sealed file; can fail or be damaged on purpose.
final class MemoryRevocationStore: SessionRevocationStore {
    private let state = Mutex<(bytes: [UInt8]?, failSaves: Bool, saves: Int)>((nil, false, 0))

    var bytes: [UInt8]? {
        get { state.withLock { $0.bytes } }
        set { state.withLock { $0.bytes = newValue } }
    }
    var failSaves: Bool {
        get { state.withLock { $0.failSaves } }
        set { state.withLock { $0.failSaves = newValue } }
    }
    var saves: Int { state.withLock { $0.saves } }

    func load() throws -> [UInt8]? { bytes }

    func save(_ bytes: [UInt8]) throws {
        try state.withLock {
            guard !$0.failSaves else { throw DiskFull() }
            $0.bytes = bytes
            $0.saves += 1
        }
    }
}

struct DiskFull: Error {}

/// One node's wallet sign-in across restarts: the same session key, revocation store and
/// clock for every instance, as the node derives the key from the chain's data key.
struct RestartFixture {
    let clock = TestClock()
    let sessionKey = SecureRandom.bytes(32)
    let store = MemoryRevocationStore()
    let configuration: WalletSignIn.Configuration

    init(_ adjust: (inout WalletSignIn.Configuration) -> Void = { _ in }) {
        var configuration = WalletSignIn.Configuration(
            domain: "127.0.0.1:8545", uri: "http://127.0.0.1:8545", chainID: 1337)
        adjust(&configuration)
        self.configuration = configuration
    }

    /// A new instance, as after a node restart (by default a second later: a process takes time to start).
    func start(after delay: Duration = .seconds(1), keepingRevocations: Bool = true) -> WalletSignIn {
        clock.advance(delay)
        return WalletSignIn(
            configuration: configuration, sessionKey: sessionKey, revocations: keepingRevocations ? store : nil,
            clock: clock.function)
    }

    func signIn(_ key: PrivateKey, on service: WalletSignIn) async throws -> String {
        let challenge = await service.challenge(for: key.address)
        return try await service.login(
            message: challenge.message, signature: personalSign(challenge.message, with: key)
        ).token
    }
}

@Suite struct WalletSignInRestartTests {
    @Test func tokenFromBeforeARestartIsAcceptedUntilItsAbsoluteExpiry() async throws {
        let fixture = RestartFixture()
        let key = PrivateKey.generate()
        let first = fixture.start()
        let token = try await fixture.signIn(key, on: first)
        fixture.clock.advance(.seconds(10 * 60))

        let second = fixture.start()
        #expect(try await second.verify(sessionToken: token) == key.address)
        #expect(await second.sessionCount == 1)
        #expect(try await second.verify(sessionToken: token) == key.address)

        // Another restart just before the token's 12 h are up: still accepted, then not.
        fixture.clock.advance(.seconds(11 * 3600 + 40 * 60 - 2))
        let third = fixture.start()
        #expect(try await third.verify(sessionToken: token) == key.address)
        fixture.clock.advance(.seconds(10 * 60))
        let error = await authError { _ = try await third.verify(sessionToken: token) }
        #expect(error == .expired)
        #expect(error?.description.contains("12 h") == true)
        await #expect(throws: AuthError.expired) { try await fixture.start().verify(sessionToken: token) }
    }

    @Test func tokenRevokedBeforeARestartStaysRevoked() async throws {
        let fixture = RestartFixture()
        let key = PrivateKey.generate()
        let first = fixture.start()
        let signedOut = try await fixture.signIn(key, on: first)
        let kept = try await fixture.signIn(key, on: first)
        try await first.revoke(sessionToken: signedOut)
        #expect(fixture.store.saves == 1)

        let second = fixture.start()
        #expect(second.restoreFailure == nil)
        await #expect(throws: AuthError.revoked) { try await second.verify(sessionToken: signedOut) }
        #expect(try await second.verify(sessionToken: kept) == key.address)
        // And through yet another restart, which saved nothing new.
        await #expect(throws: AuthError.revoked) { try await fixture.start().verify(sessionToken: signedOut) }
    }

    @Test func revokeAllReachesSessionsFromBeforeARestartNotYetSeenAgain() async throws {
        let fixture = RestartFixture()
        let key = PrivateKey.generate()
        let bystander = PrivateKey.generate()
        let first = fixture.start()
        let old = try await fixture.signIn(key, on: first)
        let unrelated = try await fixture.signIn(bystander, on: first)

        // The new instance has not seen `old` when every session of the address is revoked.
        let second = fixture.start()
        try await second.revokeAll(for: key.address)
        let fresh = try await fixture.signIn(key, on: second)
        await #expect(throws: AuthError.revoked) { try await second.verify(sessionToken: old) }
        #expect(try await second.verify(sessionToken: fresh) == key.address)

        let third = fixture.start()
        await #expect(throws: AuthError.revoked) { try await third.verify(sessionToken: old) }
        #expect(try await third.verify(sessionToken: fresh) == key.address)
        #expect(try await third.verify(sessionToken: unrelated) == bystander.address)
    }

    /// Tokens carry whole seconds: a restart within the second of a sign-in must still tell the
    /// earlier process's tokens (accepted) from its own ended ones (not taken back).
    @Test func restartWithinTheSecondOfASignInTellsEarlierTokensFromItsOwn() async throws {
        let fixture = RestartFixture { $0.maxSessionsPerAddress = 1 }
        let earlierKey = PrivateKey.generate()
        let key = PrivateKey.generate()
        let earlier = try await fixture.signIn(earlierKey, on: fixture.start(after: .milliseconds(100)))
        let restarted = fixture.start(after: .milliseconds(300))
        #expect(try await restarted.verify(sessionToken: earlier) == earlierKey.address)

        let pushedOut = try await fixture.signIn(key, on: restarted)
        let current = try await fixture.signIn(key, on: restarted)
        await #expect(throws: AuthError.unknownSession) { try await restarted.verify(sessionToken: pushedOut) }
        #expect(try await restarted.verify(sessionToken: current) == key.address)
    }

    @Test func withoutARevocationStoreARestartSignsEveryoneOut() async throws {
        let fixture = RestartFixture()
        let key = PrivateKey.generate()
        let token = try await fixture.signIn(key, on: fixture.start(keepingRevocations: false))
        let restarted = fixture.start(keepingRevocations: false)
        await #expect(throws: AuthError.unknownSession) { try await restarted.verify(sessionToken: token) }
    }

    /// What the last process saw of a session's use is gone: its idle clock runs from the restart.
    @Test func tokenFromBeforeARestartUnusedForAnIdleTimeoutAfterItIsRefused() async throws {
        let fixture = RestartFixture()
        let key = PrivateKey.generate()
        let first = fixture.start()
        let waiting = try await fixture.signIn(key, on: first)
        let busy = try await fixture.signIn(key, on: first)
        let restarted = fixture.start()
        fixture.clock.advance(.seconds(20 * 60))
        #expect(try await restarted.verify(sessionToken: busy) == key.address)
        fixture.clock.advance(.seconds(10 * 60))
        let error = await authError { _ = try await restarted.verify(sessionToken: waiting) }
        #expect(error == .expired)
        #expect(error?.description.contains("idle") == true)
        // The session taken back keeps its own idle clock, and once idle it does not come back.
        #expect(try await restarted.verify(sessionToken: busy) == key.address)
        fixture.clock.advance(.seconds(30 * 60))
        await #expect(throws: AuthError.expired) { try await restarted.verify(sessionToken: busy) }
        await #expect(throws: AuthError.expired) { try await restarted.verify(sessionToken: busy) }
    }

    @Test func unreadableRevocationsRefuseEveryEarlierTokenNowAndAfterTheNextRestart() async throws {
        let fixture = RestartFixture()
        let key = PrivateKey.generate()
        let first = fixture.start()
        let earlier = try await fixture.signIn(key, on: first)
        try await first.revoke(sessionToken: try await fixture.signIn(key, on: first))
        fixture.store.bytes = [0x01, 0x02, 0x03]

        let second = fixture.start()
        #expect(second.restoreFailure == .revocationsUnavailable)
        await #expect(throws: AuthError.unknownSession) { try await second.verify(sessionToken: earlier) }
        let later = try await fixture.signIn(key, on: second)
        let signedOut = try await fixture.signIn(key, on: second)
        try await second.revoke(sessionToken: signedOut)

        // The list saved by the second instance keeps refusing what the lost list might have.
        let third = fixture.start()
        #expect(third.restoreFailure == nil)
        await #expect(throws: AuthError.unknownSession) { try await third.verify(sessionToken: earlier) }
        await #expect(throws: AuthError.revoked) { try await third.verify(sessionToken: signedOut) }
        #expect(try await third.verify(sessionToken: later) == key.address)
    }

    @Test func failedSaveIsReportedAndTheSessionEndsAnyway() async throws {
        let fixture = RestartFixture()
        let key = PrivateKey.generate()
        let service = fixture.start()
        let token = try await fixture.signIn(key, on: service)
        fixture.store.failSaves = true
        let error = await authError { try await service.revoke(sessionToken: token) }
        #expect(error == .revocationsUnavailable)
        #expect(error?.description.contains("restart") == true)
        await #expect(throws: AuthError.revoked) { try await service.verify(sessionToken: token) }
    }

    @Test func fullAddressKeepsItsNewestSessionsWhenOldTokensComeBack() async throws {
        let fixture = RestartFixture { $0.maxSessionsPerAddress = 2 }
        let key = PrivateKey.generate()
        let first = fixture.start()
        let oldest = try await fixture.signIn(key, on: first)
        fixture.clock.advance(.seconds(1))
        let middle = try await fixture.signIn(key, on: first)
        fixture.clock.advance(.seconds(1))
        let newest = try await fixture.signIn(key, on: first)

        let second = fixture.start()
        #expect(try await second.verify(sessionToken: newest) == key.address)
        #expect(try await second.verify(sessionToken: middle) == key.address)
        let error = await authError { _ = try await second.verify(sessionToken: oldest) }
        #expect(error == .unknownSession)
        #expect(error?.description.contains("2 newer sessions") == true)
        #expect(await second.sessionCount == 2)
    }

    @Test func signerRefusedByTheCallerGetsNoSession() async throws {
        let fixture = RestartFixture()
        let key = PrivateKey.generate()
        let service = fixture.start()
        let challenge = await service.challenge(for: key.address)
        let error = await authError {
            _ = try await service.login(
                message: challenge.message, signature: personalSign(challenge.message, with: key),
                admitting: { _ in false })
        }
        #expect(error == .notAdmitted)
        #expect(error?.description.contains(key.address.checksummed) == true)
        #expect(await service.sessionCount == 0)
        #expect(fixture.store.saves == 0)
    }
}

@Suite struct SealedFileSessionRevocationStoreTests {
    func temporaryPath() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "cloister-revocations-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory + "/session-revocations.sealed"
    }

    @Test func savedBytesComeBackSealedUnderTheKey() throws {
        let path = try temporaryPath()
        let key = SecureRandom.bytes(32)
        let store = SealedFileSessionRevocationStore(path: path, key: key)
        #expect(try store.load() == nil)
        let secret = Array("revoked session ids".utf8)
        try store.save(secret)
        try store.save(secret + [1])
        #expect(try SealedFileSessionRevocationStore(path: path, key: key).load() == secret + [1])
        let onDisk = try #require(FileManager.default.contents(atPath: path))
        #expect(onDisk.range(of: Data(secret)) == nil)
        #expect(!FileManager.default.fileExists(atPath: path + ".new"))
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode & 0o077 == 0)
    }

    @Test func fileUnderAnotherKeyOrAlteredIsRefused() throws {
        let path = try temporaryPath()
        try SealedFileSessionRevocationStore(path: path, key: SecureRandom.bytes(32)).save([1, 2, 3])
        #expect(throws: AuthError.revocationsUnavailable) {
            try SealedFileSessionRevocationStore(path: path, key: SecureRandom.bytes(32)).load()
        }
    }

    @Test func tokensSurviveARestartThroughTheFile() async throws {
        let path = try temporaryPath()
        let fixture = RestartFixture()
        let fileKey = SecureRandom.bytes(32)
        func start() -> WalletSignIn {
            fixture.clock.advance(.seconds(1))
            return WalletSignIn(
                configuration: fixture.configuration, sessionKey: fixture.sessionKey,
                revocations: SealedFileSessionRevocationStore(path: path, key: fileKey), clock: fixture.clock.function)
        }
        let key = PrivateKey.generate()
        let first = start()
        let kept = try await fixture.signIn(key, on: first)
        let signedOut = try await fixture.signIn(key, on: first)
        try await first.revoke(sessionToken: signedOut)
        let second = start()
        #expect(second.restoreFailure == nil)
        #expect(try await second.verify(sessionToken: kept) == key.address)
        await #expect(throws: AuthError.revoked) { try await second.verify(sessionToken: signedOut) }
    }
}
