import Auth
import Foundation
import Primitives
import Testing

@Suite struct SessionTokenTests {
    @Test func validSessionTokenVerifiesToTheSignedInAddress() async throws {
        let fixture = SignInFixture()
        let key = PrivateKey.generate()
        let token = try await fixture.signIn(key)
        #expect(token.hasPrefix("cls1_"))
        #expect(try await fixture.service.verify(sessionToken: token) == key.address)
        #expect(try await fixture.service.verify(sessionToken: token) == key.address)
    }

    @Test func sessionTokenWithAnyBitFlippedIsRefused() async throws {
        let fixture = SignInFixture()
        let key = PrivateKey.generate()
        let token = try await fixture.signIn(key)
        let bytes = try #require(base64URLDecode(String(token.dropFirst(5))))
        #expect(bytes.count == 76)
        for index in bytes.indices {
            for bit in [0, 7] {
                var forged = bytes
                forged[index] ^= UInt8(1 << bit)
                let error = await authError {
                    _ = try await fixture.service.verify(sessionToken: "cls1_" + base64URL(forged))
                }
                #expect(error == .badSignature, "byte \(index) bit \(bit)")
            }
        }
        // The genuine token still works: forgeries did not disturb its session.
        #expect(try await fixture.service.verify(sessionToken: token) == key.address)
    }

    @Test func sessionTokenFromAnotherNodeKeyIsRefused() async throws {
        let key = PrivateKey.generate()
        let issuer = SignInFixture()
        let other = SignInFixture()
        let token = try await issuer.signIn(key)
        await #expect(throws: AuthError.badSignature) { try await other.service.verify(sessionToken: token) }
    }

    static let malformedTokens = [
        "", "cls1_", "cls1", "cls2_AAAA", "Bearer cls1_AAAA", "cls1_!!!!", "cls1_AAAA",
        "cls1_" + String(repeating: "A", count: 101), "cls1_" + String(repeating: "A", count: 103),
        "eyJhbGciOiJFUzI1NiJ9.e30.sig", "clk_" + String(repeating: "A", count: 43),
    ]

    @Test(arguments: malformedTokens)
    func malformedSessionTokenIsRefused(_ token: String) async {
        let fixture = SignInFixture()
        await #expect(throws: AuthError.malformedToken) { try await fixture.service.verify(sessionToken: token) }
    }

    @Test func sessionTokenWithNonCanonicalBase64IsRefused() async throws {
        let fixture = SignInFixture()
        let token = try await fixture.signIn(.generate())
        // 76 bytes leave 4 spare bits in the last character; setting them spells the same
        // bytes differently, which the strict decoder refuses.
        let last = token.last!
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let value = alphabet.firstIndex(of: last)!
        let respelled = String(token.dropLast()) + String(alphabet[value | 0x0f])
        await #expect(throws: AuthError.malformedToken) { try await fixture.service.verify(sessionToken: respelled) }
    }

    @Test func idleSessionExpires() async throws {
        let fixture = SignInFixture()
        let token = try await fixture.signIn(.generate())
        fixture.clock.advance(.seconds(30 * 60))
        let error = await authError { _ = try await fixture.service.verify(sessionToken: token) }
        #expect(error == .expired)
        #expect(error?.description.contains("idle") == true)
        // The session is gone for good: being busy again does not revive it.
        await #expect(throws: AuthError.unknownSession) { try await fixture.service.verify(sessionToken: token) }
    }

    @Test func idleExpirySlidesOnEachUse() async throws {
        let fixture = SignInFixture()
        let key = PrivateKey.generate()
        let token = try await fixture.signIn(key)
        for _ in 0..<4 {
            fixture.clock.advance(.seconds(29 * 60))
            #expect(try await fixture.service.verify(sessionToken: token) == key.address)
        }
    }

    @Test func sessionExpiresAtItsAbsoluteLifetimeEvenWhenBusy() async throws {
        let fixture = SignInFixture()
        let key = PrivateKey.generate()
        let token = try await fixture.signIn(key)
        // Used every 20 minutes for 11 h 40 min: idle expiry never fires.
        for _ in 0..<35 {
            fixture.clock.advance(.seconds(20 * 60))
            #expect(try await fixture.service.verify(sessionToken: token) == key.address)
        }
        fixture.clock.advance(.seconds(20 * 60))
        let error = await authError { _ = try await fixture.service.verify(sessionToken: token) }
        #expect(error == .expired)
        #expect(error?.description.contains("12 h") == true)
    }

    @Test func revokedSessionIsRefused() async throws {
        let fixture = SignInFixture()
        let key = PrivateKey.generate()
        let token = try await fixture.signIn(key)
        let other = try await fixture.signIn(key)
        try await fixture.service.revoke(sessionToken: token)
        await #expect(throws: AuthError.revoked) { try await fixture.service.verify(sessionToken: token) }
        #expect(try await fixture.service.verify(sessionToken: other) == key.address)
    }

    @Test func revokeAllEndsEverySessionOfTheAddressOnly() async throws {
        let fixture = SignInFixture()
        let key = PrivateKey.generate()
        let bystander = PrivateKey.generate()
        let first = try await fixture.signIn(key)
        let second = try await fixture.signIn(key)
        let unrelated = try await fixture.signIn(bystander)
        try await fixture.service.revokeAll(for: key.address)
        await #expect(throws: AuthError.revoked) { try await fixture.service.verify(sessionToken: first) }
        await #expect(throws: AuthError.revoked) { try await fixture.service.verify(sessionToken: second) }
        #expect(try await fixture.service.verify(sessionToken: unrelated) == bystander.address)
        // Signing in again after revocation works.
        let fresh = try await fixture.signIn(key)
        #expect(try await fixture.service.verify(sessionToken: fresh) == key.address)
    }

    @Test func revokingAForgedTokenChangesNothing() async throws {
        let fixture = SignInFixture()
        let key = PrivateKey.generate()
        let token = try await fixture.signIn(key)
        var bytes = try #require(base64URLDecode(String(token.dropFirst(5))))
        bytes[75] ^= 1
        try await fixture.service.revoke(sessionToken: "cls1_" + base64URL(bytes))
        try await fixture.service.revoke(sessionToken: "not a token")
        #expect(try await fixture.service.verify(sessionToken: token) == key.address)
    }

    @Test func addressOverItsSessionLimitLosesItsOldestSession() async throws {
        let fixture = SignInFixture { $0.maxSessionsPerAddress = 2 }
        let key = PrivateKey.generate()
        let oldest = try await fixture.signIn(key)
        fixture.clock.advance(.seconds(1))
        let middle = try await fixture.signIn(key)
        fixture.clock.advance(.seconds(1))
        let newest = try await fixture.signIn(key)
        await #expect(throws: AuthError.unknownSession) { try await fixture.service.verify(sessionToken: oldest) }
        #expect(try await fixture.service.verify(sessionToken: middle) == key.address)
        #expect(try await fixture.service.verify(sessionToken: newest) == key.address)
    }

    @Test func fullSessionTableRefusesSignInUntilSessionsEnd() async throws {
        let fixture = SignInFixture { $0.maxSessions = 2 }
        _ = try await fixture.signIn(.generate())
        _ = try await fixture.signIn(.generate())
        await #expect(throws: AuthError.tooManySessions) { _ = try await fixture.signIn(.generate()) }
        fixture.clock.advance(.seconds(30 * 60))
        _ = try await fixture.signIn(.generate())
        #expect(await fixture.service.sessionCount == 1)
    }

    @Test func sessionErrorsNeverContainTheToken() async throws {
        let fixture = SignInFixture()
        let token = try await fixture.signIn(.generate())
        let tail = String(token.suffix(20))
        var bytes = try #require(base64URLDecode(String(token.dropFirst(5))))
        bytes[0] ^= 1
        let forged = "cls1_" + base64URL(bytes)
        try await fixture.service.revoke(sessionToken: token)
        for presented in [token, forged, String(token.dropLast(3))] {
            let error = try #require(await authError { _ = try await fixture.service.verify(sessionToken: presented) })
            #expect(!error.description.contains(tail))
            #expect(!error.description.contains(String(presented.dropFirst(5).prefix(12))))
            #expect(!String(reflecting: error).contains(String(presented.dropFirst(5).prefix(12))))
        }
        fixture.clock.advance(.seconds(13 * 3600))
        let expired = try #require(await authError { _ = try await fixture.service.verify(sessionToken: token) })
        #expect(expired == .expired)
        #expect(!expired.description.contains(tail))
    }
}
