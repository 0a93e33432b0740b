import Auth
import Foundation
import JWTKit
import Testing

/// The claims an identity provider writes, for signing test tokens.
struct ProviderClaims: JWTPayload {
    var iss: String?
    var sub: String?
    var aud: AudienceClaim?
    var exp: ExpirationClaim?
    var nbf: NotBeforeClaim?
    var iat: IssuedAtClaim?
    var email: String?
    var email_verified: Bool?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// A stand-in identity provider: its own keys, its JWKS, and tokens it signs.
struct TestProvider {
    static let issuer = "https://id.example.com/realms/bank"
    static let audience = "cloister-node"

    let clock = TestClock()
    let signer = JWTKeyCollection()
    let ecKey = ES256PrivateKey()
    let rsaKey: Insecure.RSA.PrivateKey

    init() async throws {
        rsaKey = try Insecure.RSA.PrivateKey(pem: testRSAPrivateKeyPEM)
        await signer.add(ecdsa: ecKey, kid: "ec-1")
        await signer.add(rsa: rsaKey, digestAlgorithm: .sha256, kid: "rsa-1")
    }

    /// The provider's public keys as its jwks_uri would serve them.
    var jwksJSON: String {
        get throws {
            let ec = try #require(ecKey.parameters)
            let rsa = try rsaKey.publicKey.getKeyPrimitives()
            return """
                {"keys": [
                  {"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": "ec-1", "x": "\(ec.x)", "y": "\(ec.y)"},
                  {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "rsa-1",
                   "n": "\(base64URL(rsa.modulus))", "e": "\(base64URL(rsa.publicExponent))"}
                ]}
                """
        }
    }

    func verifier(leeway: Duration = .seconds(30)) async throws -> OIDCVerifier {
        try await OIDCVerifier(
            jwksJSON: try jwksJSON, issuer: Self.issuer, audience: Self.audience, leeway: leeway, clock: clock.function)
    }

    /// Claims valid now for this node, changed by `edit`.
    func claims(_ edit: (inout ProviderClaims) -> Void = { _ in }) -> ProviderClaims {
        let now = clock.now
        var claims = ProviderClaims(
            iss: Self.issuer, sub: "user-7f3a", aud: AudienceClaim(value: [Self.audience]),
            exp: ExpirationClaim(value: now.addingTimeInterval(300)),
            nbf: NotBeforeClaim(value: now.addingTimeInterval(-5)),
            iat: IssuedAtClaim(value: now.addingTimeInterval(-5)), email: "alice@bank.example", email_verified: true)
        edit(&claims)
        return claims
    }

    func token(kid: String = "ec-1", _ edit: (inout ProviderClaims) -> Void = { _ in }) async throws -> String {
        try await signer.sign(claims(edit), kid: JWKIdentifier(string: kid))
    }
}

@Suite struct OIDCVerifierTests {
    @Test func acceptsValidES256Token() async throws {
        let provider = try await TestProvider()
        let token = try await provider.token()
        #expect(CredentialKind(token: token) == .jwt)
        let identity = try await provider.verifier().verify(token)
        #expect(identity.subject == "user-7f3a")
        #expect(identity.email == "alice@bank.example")
    }

    @Test func acceptsValidRS256Token() async throws {
        let provider = try await TestProvider()
        let identity = try await provider.verifier().verify(try await provider.token(kid: "rsa-1"))
        #expect(identity.subject == "user-7f3a")
    }

    @Test func acceptsTokenListingSeveralAudiencesIncludingThisNode() async throws {
        let provider = try await TestProvider()
        let token = try await provider.token { $0.aud = AudienceClaim(value: ["other-app", TestProvider.audience]) }
        #expect(try await provider.verifier().verify(token).subject == "user-7f3a")
    }

    @Test func withholdsEmailMarkedUnverified() async throws {
        let provider = try await TestProvider()
        let token = try await provider.token { $0.email_verified = false }
        #expect(try await provider.verifier().verify(token).email == nil)
        let unmarked = try await provider.token { $0.email_verified = nil }
        #expect(try await provider.verifier().verify(unmarked).email == "alice@bank.example")
    }

    @Test func refusesWrongIssuer() async throws {
        let provider = try await TestProvider()
        let token = try await provider.token { $0.iss = "https://evil.example.com" }
        let error = await authError { _ = try await provider.verifier().verify(token) }
        #expect(error == .wrongIssuer)
        #expect(error?.description.contains(TestProvider.issuer) == true)
    }

    @Test func refusesWrongAudience() async throws {
        let provider = try await TestProvider()
        let token = try await provider.token { $0.aud = AudienceClaim(value: ["another-app"]) }
        await #expect(throws: AuthError.wrongAudience) { try await provider.verifier().verify(token) }
    }

    @Test func refusesTokenSignedByAnotherKey() async throws {
        let provider = try await TestProvider()
        let impostor = JWTKeyCollection()
        await impostor.add(ecdsa: ES256PrivateKey(), kid: "ec-1")
        let token = try await impostor.sign(provider.claims(), kid: "ec-1")
        await #expect(throws: AuthError.badSignature) { try await provider.verifier().verify(token) }
    }

    @Test func refusesTokenWithAlteredPayload() async throws {
        let provider = try await TestProvider()
        let parts = try await provider.token().split(separator: ".").map(String.init)
        var claims =
            try JSONSerialization.jsonObject(with: Data(try #require(base64URLDecode(parts[1])))) as! [String: Any]
        claims["sub"] = "admin"
        let altered = [parts[0], base64URL(try JSONSerialization.data(withJSONObject: claims)), parts[2]].joined(
            separator: ".")
        await #expect(throws: AuthError.badSignature) { try await provider.verifier().verify(altered) }
    }

    @Test func refusesKeyIDMissingFromTheJWKS() async throws {
        let provider = try await TestProvider()
        let stranger = JWTKeyCollection()
        await stranger.add(ecdsa: ES256PrivateKey(), kid: "ec-2")
        let token = try await stranger.sign(provider.claims(), kid: "ec-2")
        await #expect(throws: AuthError.unknownSigningKey) { try await provider.verifier().verify(token) }
    }

    @Test func refusesExpiredToken() async throws {
        let provider = try await TestProvider()
        let now = provider.clock.now
        let token = try await provider.token { $0.exp = ExpirationClaim(value: now.addingTimeInterval(-31)) }
        await #expect(throws: AuthError.expired) { try await provider.verifier().verify(token) }
        let withinLeeway = try await provider.token { $0.exp = ExpirationClaim(value: now.addingTimeInterval(-29)) }
        #expect(try await provider.verifier().verify(withinLeeway).subject == "user-7f3a")
    }

    @Test func refusesTokenThatExpiresWhileHeld() async throws {
        let provider = try await TestProvider()
        let verifier = try await provider.verifier()
        let token = try await provider.token()
        _ = try await verifier.verify(token)
        provider.clock.advance(.seconds(330))
        await #expect(throws: AuthError.expired) { try await verifier.verify(token) }
    }

    @Test func refusesTokenNotYetValid() async throws {
        let provider = try await TestProvider()
        let now = provider.clock.now
        let early = try await provider.token { $0.nbf = NotBeforeClaim(value: now.addingTimeInterval(120)) }
        await #expect(throws: AuthError.notYetValid) { try await provider.verifier().verify(early) }
        let future = try await provider.token { $0.iat = IssuedAtClaim(value: now.addingTimeInterval(120)) }
        await #expect(throws: AuthError.notYetValid) { try await provider.verifier().verify(future) }
    }

    @Test func refusesTokenWithoutRequiredClaims() async throws {
        let provider = try await TestProvider()
        for edit: (inout ProviderClaims) -> Void in [
            { $0.sub = nil }, { $0.exp = nil }, { $0.iss = nil }, { $0.aud = nil },
        ] {
            let token = try await provider.token(edit)
            await #expect(throws: AuthError.missingClaim) { try await provider.verifier().verify(token) }
        }
    }

    static let malformedTokens = [
        "abc", "a.b", "a.b.c.d", "..", "a..c", "!!!.e30.c", base64URL(Array("not json".utf8)) + ".e30.c",
        String(repeating: "a", count: 20_000) + ".e30.c",
    ]

    @Test(arguments: malformedTokens)
    func refusesMalformedToken(_ token: String) async throws {
        let provider = try await TestProvider()
        await #expect(throws: AuthError.malformedToken) { try await provider.verifier().verify(token) }
    }

    @Test func refusesEmptyToken() async throws {
        let provider = try await TestProvider()
        await #expect(throws: AuthError.missingCredentials) { try await provider.verifier().verify("") }
    }

    @Test func refusesUnsignedAndSymmetricAlgorithms() async throws {
        let provider = try await TestProvider()
        let payload = base64URL(try JSONEncoder().encode(provider.claims()))
        let none = base64URL(Array(#"{"alg":"none","kid":"ec-1"}"#.utf8)) + "." + payload + ".AA"
        await #expect(throws: AuthError.unsupportedAlgorithm) { try await provider.verifier().verify(none) }

        let hmac = JWTKeyCollection()
        await hmac.add(hmac: "a shared secret of at least thirty-two bytes", digestAlgorithm: .sha256, kid: "ec-1")
        let symmetric = try await hmac.sign(provider.claims(), kid: "ec-1")
        await #expect(throws: AuthError.unsupportedAlgorithm) { try await provider.verifier().verify(symmetric) }
    }

    @Test func refusesAlgorithmOtherThanTheKeys() async throws {
        let provider = try await TestProvider()
        // An RS256 signature presented under the EC key's kid.
        let rsaOnly = JWTKeyCollection()
        await rsaOnly.add(rsa: provider.rsaKey, digestAlgorithm: .sha256, kid: "ec-1")
        let token = try await rsaOnly.sign(provider.claims(), kid: "ec-1")
        await #expect(throws: AuthError.unsupportedAlgorithm) { try await provider.verifier().verify(token) }
    }

    @Test func errorsNeverContainTheToken() async throws {
        let provider = try await TestProvider()
        let now = provider.clock.now
        let tokens = [
            try await provider.token { $0.exp = ExpirationClaim(value: now.addingTimeInterval(-3600)) },
            try await provider.token { $0.iss = "https://evil.example.com" },
            try await provider.token { $0.aud = AudienceClaim(value: ["x"]) },
            String(try await provider.token().dropLast(4)) + "AAAA",
        ]
        for token in tokens {
            let error = try #require(await authError { _ = try await provider.verifier().verify(token) })
            for part in token.split(separator: ".") {
                #expect(!error.description.contains(String(part.suffix(16))))
            }
            #expect(!error.description.contains("user-7f3a"))
            #expect(!error.description.contains("alice@bank.example"))
        }
    }

    @Test func replacedKeysTakeEffect() async throws {
        let provider = try await TestProvider()
        let verifier = try await provider.verifier()
        let rotated = ES256PrivateKey()
        let parameters = try #require(rotated.parameters)
        try await verifier.replaceKeys(
            jwksJSON: """
                {"keys": [{"kty": "EC", "crv": "P-256", "alg": "ES256", "kid": "ec-2", "x": "\(parameters.x)", "y": "\(parameters.y)"}]}
                """)
        await #expect(throws: AuthError.unknownSigningKey) { try await verifier.verify(try await provider.token()) }
        let signer = JWTKeyCollection()
        await signer.add(ecdsa: rotated, kid: "ec-2")
        #expect(try await verifier.verify(try await signer.sign(provider.claims(), kid: "ec-2")).subject == "user-7f3a")
    }
}

@Suite struct JWKSConfigurationTests {
    static func verifier(_ json: String) async throws -> OIDCVerifier {
        try await OIDCVerifier(jwksJSON: json, issuer: TestProvider.issuer, audience: TestProvider.audience)
    }

    @Test(arguments: [
        "", "not json", "[]", #"{"keys": []}"#, #"{"keys": [{"kty": "EC"}]}"#,
        #"{"keys": [{"kty": "oct", "kid": "h", "k": "c2VjcmV0"}]}"#,
        #"{"keys": [{"kty": "RSA", "kid": "r", "alg": "HS256", "n": "AQAB", "e": "AQAB"}]}"#,
    ])
    func refusesUnusableJWKS(_ json: String) async {
        let error = await authError { _ = try await Self.verifier(json) }
        #expect(error == .invalidJWKS)
        #expect(error?.isConfigurationError == true)
    }

    @Test func refusesJWKSHoldingAPrivateKey() async throws {
        let key = ES256PrivateKey()
        let parameters = try #require(key.parameters)
        let json = """
            {"keys": [{"kty": "EC", "crv": "P-256", "kid": "p", "x": "\(parameters.x)", "y": "\(parameters.y)", "d": "AAAA"}]}
            """
        let error = await authError { _ = try await Self.verifier(json) }
        #expect(error == .invalidJWKS)
        #expect(error?.description.contains("private key") == true)
        #expect(error?.description.contains("AAAA") == false)
    }

    @Test func skipsEncryptionKeys() async throws {
        let provider = try await TestProvider()
        var json = try provider.jwksJSON
        json = json.replacingOccurrences(
            of: #"{"keys": ["#,
            with:
                #"{"keys": [{"kty": "RSA", "use": "enc", "alg": "RSA-OAEP", "kid": "enc-1", "n": "AQAB", "e": "AQAB"},"#
        )
        let verifier = try await Self.verifier(json)
        _ = verifier
    }

    @Test func loadsJWKSFromFile() async throws {
        let provider = try await TestProvider()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("jwks-\(UUID().uuidString).json").path
        try provider.jwksJSON.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let verifier = try await OIDCVerifier.loading(
            jwksFile: path, issuer: TestProvider.issuer, audience: TestProvider.audience)
        _ = verifier
    }

    @Test func missingJWKSFileIsNamedInTheError() async throws {
        let path = "/nonexistent/cloister/jwks.json"
        let error = await authError {
            _ = try await OIDCVerifier.loading(
                jwksFile: path, issuer: TestProvider.issuer, audience: TestProvider.audience)
        }
        #expect(error == .jwksUnreadable)
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("does not exist") == true)
    }

    @Test func directoryInsteadOfJWKSFileIsRefused() async throws {
        let path = FileManager.default.temporaryDirectory.path
        let error = await authError {
            _ = try await OIDCVerifier.loading(
                jwksFile: path, issuer: TestProvider.issuer, audience: TestProvider.audience)
        }
        #expect(error == .jwksUnreadable)
        #expect(error?.description.contains("directory") == true)
    }

    @Test func invalidJWKSFileIsNamedInTheError() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("jwks-\(UUID().uuidString).json").path
        try "{\"keys\": 42}".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = await authError {
            _ = try await OIDCVerifier.loading(
                jwksFile: path, issuer: TestProvider.issuer, audience: TestProvider.audience)
        }
        #expect(error == .invalidJWKS)
        #expect(error?.description.contains(path) == true)
    }

    @Test func emptyIssuerOrAudienceIsRefused() async throws {
        let provider = try await TestProvider()
        let json = try provider.jwksJSON
        await #expect(throws: AuthError.invalidConfiguration) {
            try await OIDCVerifier(jwksJSON: json, issuer: "", audience: TestProvider.audience)
        }
        await #expect(throws: AuthError.invalidConfiguration) {
            try await OIDCVerifier(jwksJSON: json, issuer: TestProvider.issuer, audience: "")
        }
        await #expect(throws: AuthError.invalidConfiguration) {
            try await OIDCVerifier.loading(jwksFile: "/nonexistent", issuer: TestProvider.issuer, audience: "")
        }
    }
}
