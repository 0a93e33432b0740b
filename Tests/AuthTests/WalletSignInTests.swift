import Auth
import Foundation
import Primitives
import Testing

/// A sign-in service on a hand-moved clock, with the node's usual settings.
struct SignInFixture {
    let clock = TestClock()
    let configuration: WalletSignIn.Configuration
    let service: WalletSignIn

    init(_ adjust: (inout WalletSignIn.Configuration) -> Void = { _ in }) {
        var configuration = WalletSignIn.Configuration(
            domain: "127.0.0.1:8545", uri: "http://127.0.0.1:8545", chainID: 1337)
        adjust(&configuration)
        self.configuration = configuration
        service = WalletSignIn(configuration: configuration, sessionKey: SecureRandom.bytes(32), clock: clock.function)
    }

    /// Challenge, sign as a wallet would, log in: the session token.
    func signIn(_ key: PrivateKey) async throws -> String {
        let challenge = await service.challenge(for: key.address)
        return try await service.login(
            message: challenge.message, signature: personalSign(challenge.message, with: key)
        ).token
    }

    /// A message with a nonce this service issued for `address`, after `edit` changes its fields.
    func editedChallenge(for address: Address, _ edit: (inout SignInMessage) -> Void) async throws -> String {
        var message = try SignInMessage(parsing: await service.challenge(for: address).message)
        edit(&message)
        return message.text
    }
}

@Suite struct WalletSignInTests {
    @Test func siweRoundTripIssuesSessionForSigner() async throws {
        let fixture = SignInFixture()
        let key = PrivateKey.generate()
        let challenge = await fixture.service.challenge(for: key.address)

        let message = try SignInMessage(parsing: challenge.message)
        #expect(message.domain == "127.0.0.1:8545")
        #expect(message.uri == "http://127.0.0.1:8545")
        #expect(message.chainID == 1337)
        #expect(message.version == "1")
        #expect(message.address == key.address)
        #expect(message.nonce == challenge.nonce)
        #expect(message.issuedAt == fixture.clock.now)
        #expect(message.expirationTime == challenge.expiresAt)
        #expect(challenge.expiresAt == fixture.clock.now.addingTimeInterval(300))
        #expect(
            challenge.message.hasPrefix(
                "127.0.0.1:8545 wants you to sign in with your Ethereum account:\n\(key.address.checksummed)\n"))

        let login = try await fixture.service.login(
            message: challenge.message, signature: personalSign(challenge.message, with: key))
        #expect(login.address == key.address)
        #expect(login.expiresAt == fixture.clock.now.addingTimeInterval(12 * 3600))
        #expect(CredentialKind(token: login.token) == .sessionToken)
        #expect(try await fixture.service.verify(sessionToken: login.token) == key.address)
    }

    @Test func acceptsRecoveryIDAsZeroOrOne() async throws {
        let fixture = SignInFixture()
        let key = PrivateKey.generate()
        let challenge = await fixture.service.challenge(for: key.address)
        let login = try await fixture.service.login(
            message: challenge.message, signature: personalSign(challenge.message, with: key, vBase: 0))
        #expect(login.address == key.address)
    }

    @Test func noncesAreFreshAndLong() async {
        let fixture = SignInFixture()
        let address = PrivateKey.generate().address
        let first = await fixture.service.challenge(for: address).nonce
        let second = await fixture.service.challenge(for: address).nonce
        #expect(first != second)
        #expect(first.count == 32)
    }

    @Test func siweNonceCannotBeUsedTwice() async throws {
        let fixture = SignInFixture()
        let key = PrivateKey.generate()
        let challenge = await fixture.service.challenge(for: key.address)
        let signature = personalSign(challenge.message, with: key)
        _ = try await fixture.service.login(message: challenge.message, signature: signature)
        await #expect(throws: AuthError.nonceUnknownOrUsed) {
            try await fixture.service.login(message: challenge.message, signature: signature)
        }
    }

    @Test func failedAttemptConsumesTheNonce() async throws {
        let fixture = SignInFixture()
        let key = PrivateKey.generate()
        let challenge = await fixture.service.challenge(for: key.address)
        await #expect(throws: AuthError.signerMismatch) {
            try await fixture.service.login(
                message: challenge.message, signature: personalSign(challenge.message, with: .generate()))
        }
        await #expect(throws: AuthError.nonceUnknownOrUsed) {
            try await fixture.service.login(
                message: challenge.message, signature: personalSign(challenge.message, with: key))
        }
    }

    @Test func refusesNonceNotIssuedByThisNode() async throws {
        let fixture = SignInFixture()
        let key = PrivateKey.generate()
        let forged = SignInMessage(
            domain: "127.0.0.1:8545", address: key.address, statement: "Sign in to Cloister.",
            uri: "http://127.0.0.1:8545",
            chainID: 1337, nonce: "abcdef0123456789", issuedAt: fixture.clock.now,
            expirationTime: fixture.clock.now.addingTimeInterval(300)
        ).text
        await #expect(throws: AuthError.nonceUnknownOrUsed) {
            try await fixture.service.login(message: forged, signature: personalSign(forged, with: key))
        }
        // A nonce issued by another node's instance is just as unknown here.
        let other = SignInFixture()
        let foreign = await other.service.challenge(for: key.address).message
        await #expect(throws: AuthError.nonceUnknownOrUsed) {
            try await fixture.service.login(message: foreign, signature: personalSign(foreign, with: key))
        }
    }

    @Test func refusesMessageForAnotherDomain() async throws {
        let fixture = SignInFixture()
        let key = PrivateKey.generate()
        let message = try await fixture.editedChallenge(for: key.address) { $0.domain = "evil.example" }
        let error = await authError {
            _ = try await fixture.service.login(message: message, signature: personalSign(message, with: key))
        }
        #expect(error == .wrongDomain)
        #expect(error?.description.contains("127.0.0.1:8545") == true)
    }

    @Test func refusesMessageForAnotherScheme() async throws {
        let fixture = SignInFixture()
        let key = PrivateKey.generate()
        let message = try await fixture.editedChallenge(for: key.address) { $0.scheme = "https" }
        await #expect(throws: AuthError.wrongDomain) {
            try await fixture.service.login(message: message, signature: personalSign(message, with: key))
        }
        let matching = try await fixture.editedChallenge(for: key.address) { $0.scheme = "http" }
        let login = try await fixture.service.login(message: matching, signature: personalSign(matching, with: key))
        #expect(login.address == key.address)
    }

    @Test func refusesMessageForAnotherURI() async throws {
        let fixture = SignInFixture()
        let key = PrivateKey.generate()
        let message = try await fixture.editedChallenge(for: key.address) { $0.uri = "https://evil.example/login" }
        await #expect(throws: AuthError.wrongURI) {
            try await fixture.service.login(message: message, signature: personalSign(message, with: key))
        }
    }

    @Test func refusesMessageForAnotherChainID() async throws {
        let fixture = SignInFixture()
        let key = PrivateKey.generate()
        let message = try await fixture.editedChallenge(for: key.address) { $0.chainID = 1 }
        let error = await authError {
            _ = try await fixture.service.login(message: message, signature: personalSign(message, with: key))
        }
        #expect(error == .wrongChainID)
        #expect(error?.description.contains("1337") == true)
    }

    @Test func refusesExpiredChallenge() async throws {
        let fixture = SignInFixture()
        let key = PrivateKey.generate()
        let challenge = await fixture.service.challenge(for: key.address)
        fixture.clock.advance(.seconds(300))
        await #expect(throws: AuthError.expired) {
            try await fixture.service.login(
                message: challenge.message, signature: personalSign(challenge.message, with: key))
        }
    }

    @Test func acceptsChallengeJustBeforeItExpires() async throws {
        let fixture = SignInFixture()
        let key = PrivateKey.generate()
        let challenge = await fixture.service.challenge(for: key.address)
        fixture.clock.advance(.seconds(299))
        let login = try await fixture.service.login(
            message: challenge.message, signature: personalSign(challenge.message, with: key))
        #expect(login.address == key.address)
    }

    @Test func refusesMessageExpirationTimeInThePast() async throws {
        let fixture = SignInFixture()
        let key = PrivateKey.generate()
        let now = fixture.clock.now
        let message = try await fixture.editedChallenge(for: key.address) {
            $0.expirationTime = now.addingTimeInterval(-1)
        }
        await #expect(throws: AuthError.expired) {
            try await fixture.service.login(message: message, signature: personalSign(message, with: key))
        }
    }

    @Test func refusesMessageBeforeItsNotBeforeTime() async throws {
        let fixture = SignInFixture()
        let key = PrivateKey.generate()
        let now = fixture.clock.now
        let message = try await fixture.editedChallenge(for: key.address) { $0.notBefore = now.addingTimeInterval(60) }
        await #expect(throws: AuthError.notYetValid) {
            try await fixture.service.login(message: message, signature: personalSign(message, with: key))
        }
    }

    @Test func refusesMessageForAnotherAddressThanTheSigner() async throws {
        let fixture = SignInFixture()
        let victim = PrivateKey.generate()
        let attacker = PrivateKey.generate()
        let challenge = await fixture.service.challenge(for: victim.address)
        let error = await authError {
            _ = try await fixture.service.login(
                message: challenge.message, signature: personalSign(challenge.message, with: attacker))
        }
        #expect(error == .signerMismatch)
    }

    @Test func refusesMessageNamingAnotherAddressThanTheChallenge() async throws {
        let fixture = SignInFixture()
        let requester = PrivateKey.generate()
        let other = PrivateKey.generate()
        let message = try await fixture.editedChallenge(for: requester.address) { $0.address = other.address }
        await #expect(throws: AuthError.wrongAddress) {
            try await fixture.service.login(message: message, signature: personalSign(message, with: other))
        }
    }

    static let malformations: [(String, @Sendable (String) -> String)] = [
        (
            "missing Nonce line",
            { $0.replacingOccurrences(of: #"\nNonce: [0-9a-f]+"#, with: "", options: .regularExpression) }
        ),
        ("missing URI line", { $0.replacingOccurrences(of: #"\nURI: [^\n]+"#, with: "", options: .regularExpression) }),
        (
            "missing Issued At line",
            { $0.replacingOccurrences(of: #"\nIssued At: [^\n]+"#, with: "", options: .regularExpression) }
        ),
        ("missing header", { String($0.drop { $0 != "\n" }.dropFirst()) }),
        ("version 2", { $0.replacingOccurrences(of: "Version: 1", with: "Version: 2") }),
        ("no version value", { $0.replacingOccurrences(of: "Version: 1", with: "Version: ") }),
        (
            "fields out of order",
            {
                $0.replacingOccurrences(
                    of: #"Version: 1\nChain ID: 1337"#, with: "Chain ID: 1337\nVersion: 1", options: .regularExpression)
            }
        ),
        ("trailing newline", { $0 + "\n" }),
        ("CRLF line ends", { $0.replacingOccurrences(of: "\n", with: "\r\n") }),
        (
            "lower-case address",
            { text in
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                return ([lines[0], Substring(lines[1].lowercased())] + lines[2...]).joined(separator: "\n")
            }
        ),
        ("chain id not a number", { $0.replacingOccurrences(of: "Chain ID: 1337", with: "Chain ID: 0x539") }),
        (
            "issued at not RFC 3339",
            {
                $0.replacingOccurrences(
                    of: #"Issued At: [^\n]+"#, with: "Issued At: yesterday", options: .regularExpression)
            }
        ),
        ("unknown field", { $0 + "\nColour: blue" }),
        ("empty", { _ in "" }),
    ]

    @Test(arguments: malformations.indices)
    func refusesMalformedMessage(_ index: Int) async throws {
        let (name, corrupt) = Self.malformations[index]
        let fixture = SignInFixture()
        let key = PrivateKey.generate()
        let message = corrupt(await fixture.service.challenge(for: key.address).message)
        let error = await authError {
            _ = try await fixture.service.login(message: message, signature: personalSign(message, with: key))
        }
        #expect(error == .malformedMessage, "\(name)")
    }

    @Test func refusesHighSSignature() async throws {
        let fixture = SignInFixture()
        let key = PrivateKey.generate()
        let challenge = await fixture.service.challenge(for: key.address)
        var bytes = try Hex.decodeData(personalSign(challenge.message, with: key))
        // (r, n − s, flipped parity) is the same signature mathematically; EIP-2 accepts only low s.
        let s = try UInt256(bigEndian: bytes[32..<64])
        bytes.replaceSubrange(32..<64, with: (Secp256k1.order - s).bigEndianBytes)
        bytes[64] = bytes[64] == 27 ? 28 : 27
        let error = await authError {
            _ = try await fixture.service.login(message: challenge.message, signature: Hex.encode(bytes))
        }
        #expect(error == .malformedSignature)
        #expect(error?.description.contains("low s") == true)
    }

    @Test(arguments: [64, 66, 0])
    func refusesSignatureOfWrongLength(_ length: Int) async throws {
        let fixture = SignInFixture()
        let key = PrivateKey.generate()
        let challenge = await fixture.service.challenge(for: key.address)
        let full = try Hex.decodeData(personalSign(challenge.message, with: key))
        let bytes = Array((full + [0]).prefix(length))
        let error = await authError {
            _ = try await fixture.service.login(message: challenge.message, signature: Hex.encode(bytes))
        }
        #expect(error == .malformedSignature)
        #expect(error?.description.contains("\(length) bytes") == true)
    }

    @Test(arguments: ["", "zz", "0x123", "0xzz"])
    func refusesSignatureThatIsNotHex(_ signature: String) async throws {
        let fixture = SignInFixture()
        let key = PrivateKey.generate()
        let challenge = await fixture.service.challenge(for: key.address)
        await #expect(throws: AuthError.malformedSignature) {
            try await fixture.service.login(message: challenge.message, signature: signature)
        }
    }

    @Test(arguments: [UInt8(2), 26, 29, 37])
    func refusesSignatureWithInvalidV(_ v: UInt8) async throws {
        let fixture = SignInFixture()
        let key = PrivateKey.generate()
        let challenge = await fixture.service.challenge(for: key.address)
        var bytes = try Hex.decodeData(personalSign(challenge.message, with: key))
        bytes[64] = v
        await #expect(throws: AuthError.malformedSignature) {
            try await fixture.service.login(message: challenge.message, signature: Hex.encode(bytes))
        }
    }

    @Test func oldestChallengesAreDroppedBeyondTheBound() async throws {
        let fixture = SignInFixture { $0.maxOutstandingChallenges = 3 }
        let key = PrivateKey.generate()
        let first = await fixture.service.challenge(for: key.address)
        for _ in 0..<3 { _ = await fixture.service.challenge(for: key.address) }
        await #expect(throws: AuthError.nonceUnknownOrUsed) {
            try await fixture.service.login(message: first.message, signature: personalSign(first.message, with: key))
        }
        let latest = await fixture.service.challenge(for: key.address)
        let login = try await fixture.service.login(
            message: latest.message, signature: personalSign(latest.message, with: key))
        #expect(login.address == key.address)
    }

    @Test func refusalsNeverQuoteTheMessageOrSignature() async throws {
        let fixture = SignInFixture()
        let key = PrivateKey.generate()
        let challenge = await fixture.service.challenge(for: key.address)
        let wrongSigner = personalSign(challenge.message, with: .generate())
        let error = await authError {
            _ = try await fixture.service.login(message: challenge.message, signature: wrongSigner)
        }
        let description = try #require(error).description
        #expect(!description.contains(challenge.nonce))
        #expect(!description.contains(String(wrongSigner.dropFirst(2).prefix(16))))
        #expect(!description.contains(key.address.checksummed))
    }
}

/// Pinned against eth-account 0.14 (`encode_defunct`, `Account.sign_message`), so the
/// EIP-191 hashing cannot drift in step with the test helper.
@Suite struct PersonalMessageTests {
    @Test func hashMatchesEthAccountForMultiByteText() {
        // encode_defunct(text="I♥SF"): the length prefix counts bytes (6), not characters (4).
        #expect(
            PersonalMessage.hash("I♥SF").hex == "0x1476abb745d423bf09273f1afd887d951181d25adc66c4834a70491911b7f750")
    }

    static let ethAccountMessage = """
        127.0.0.1:8545 wants you to sign in with your Ethereum account:
        0x2c7536E3605D9C16a7a3D7b1898e529396a65c23

        Sign in to Cloister.

        URI: http://127.0.0.1:8545
        Version: 1
        Chain ID: 1337
        Nonce: 0123456789abcdef0123456789abcdef
        Issued At: 2025-01-01T00:00:00Z
        Expiration Time: 2025-01-01T00:05:00Z
        """

    @Test func recoversSignerOfEthAccountSignature() throws {
        #expect(
            PersonalMessage.hash(Self.ethAccountMessage).hex
                == "0xae3b46ff1d064bf151368d86966483de8448ad8396fd9a9d93e6df72e69b83de")
        let signature =
            "0x1eaa66f027d73254ddde0a1a857fd016451955b0b60fed9641d1f667f27b7334"
            + "5029486fa7c74597d66b3a7f42a4e1166041f44ae4d137e23c8a3da60c0a99971c"
        let signer = try PersonalMessage.recoverSigner(message: Self.ethAccountMessage, signature: signature)
        #expect(signer.checksummed == "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23")
        let key = try PrivateKey(hex: "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
        #expect(personalSign(Self.ethAccountMessage, with: key) == signature)
    }
}

@Suite struct WalletSignInConfigurationTests {
    @Test func defaultsMatchTheDesign() throws {
        let configuration = WalletSignIn.Configuration(
            domain: "127.0.0.1:8545", uri: "http://127.0.0.1:8545", chainID: 1337)
        #expect(configuration.challengeLifetime == .seconds(300))
        #expect(configuration.sessionIdleTimeout == .seconds(30 * 60))
        #expect(configuration.sessionLifetime == .seconds(12 * 3600))
        try configuration.validate()
    }

    @Test func urlGivenAsDomainIsRefusedWithAHint() {
        let configuration = WalletSignIn.Configuration(
            domain: "http://127.0.0.1:8545", uri: "http://127.0.0.1:8545", chainID: 1337)
        do {
            try configuration.validate()
            Issue.record("accepted a URL as the domain")
        } catch {
            #expect(error == .invalidConfiguration)
            #expect(error.isConfigurationError)
            #expect(error.description.contains("not a URL"))
        }
    }

    @Test func unusableSettingsAreRefused() {
        let edits: [(inout WalletSignIn.Configuration) -> Void] = [
            { $0.uri = "127.0.0.1:8545/no scheme" }, { $0.statement = "two\nlines" }, { $0.domain = "" },
            { $0.sessionIdleTimeout = .zero }, { $0.maxSessions = 0 },
        ]
        for edit in edits {
            var configuration = WalletSignIn.Configuration(
                domain: "127.0.0.1:8545", uri: "http://127.0.0.1:8545", chainID: 1)
            edit(&configuration)
            #expect(throws: AuthError.invalidConfiguration) { try configuration.validate() }
        }
    }

    @Test func challengeWithoutStatementFollowsTheABNF() async throws {
        let fixture = SignInFixture { $0.statement = "" }
        let key = PrivateKey.generate()
        let challenge = await fixture.service.challenge(for: key.address)
        #expect(challenge.message.contains("\(key.address.checksummed)\n\n\nURI: "))
        #expect(try SignInMessage(parsing: challenge.message).statement == nil)
        let login = try await fixture.service.login(
            message: challenge.message, signature: personalSign(challenge.message, with: key))
        #expect(login.address == key.address)
    }
}
