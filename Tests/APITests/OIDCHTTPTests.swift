import API
import Auth
import Foundation
import Hummingbird
import JWTKit
import Node
import NodeTestSupport
import Policy
import Primitives
import Testing
import NodeConfiguration

struct MemberClaims: JWTPayload {
    var iss: String
    var sub: String
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// An identity provider on loopback: its JWKS served over real HTTP, the node's verifier for
/// it, and tokens signed with its key.
struct IdentityProvider {
    let server: InProcessNode
    let verifier: OIDCVerifier
    let signer: JWTKeyCollection

    static func start() async throws -> IdentityProvider {
        let key = ES256PrivateKey()
        let parameters = try #require(key.parameters)
        let jwks = """
            {"keys": [{"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": "k1", "x": "\(parameters.x)", "y": "\(parameters.y)"}]}
            """
        let server = try await InProcessNode.start(try ChainFixture()) { router, _ in
            router.get("/jwks.json") { _, _ in
                Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: jwks)))
            }
        }
        let verifier = try await OIDCSetup.verifier(
            NodeConfig.OIDC(
                jwks: "http://127.0.0.1:\(server.port)/jwks.json", issuer: OIDCHTTPTests.issuer, audience: OIDCHTTPTests.audience))
        let signer = JWTKeyCollection()
        await signer.add(ecdsa: key, kid: "k1")
        return IdentityProvider(server: server, verifier: verifier, signer: signer)
    }

    func token(
        subject: String, issuer: String = OIDCHTTPTests.issuer, audience: String = OIDCHTTPTests.audience,
        expiresIn: TimeInterval = 300
    ) async throws -> String {
        try await signer.sign(
            MemberClaims(
                iss: issuer, sub: subject, aud: AudienceClaim(value: [audience]),
                exp: ExpirationClaim(value: Date().addingTimeInterval(expiresIn)), iat: IssuedAtClaim(value: Date().addingTimeInterval(-5))),
            kid: "k1")
    }
}

/// An OIDC member signs in with a JWT from the institution's identity provider, whose JWKS
/// the node fetched from its URL; policy maps the token's subject to the member.
@Suite(.serialized) struct OIDCHTTPTests {
    static let issuer = "https://id.bank-a.example"
    static let audience = "cloister-node"

    @Test func jwtFromConfiguredProviderReachesTheMembersData() async throws {
        let fixture = try ChainFixture()
        let members = PolicyFiles.members(
            [.bankA], [.init("alice", address: fixture.alice.address, extra: "oidc_subject = \"alice@bank-a.example\"")])
        let roles = """
            [role.trader]
            grants = [{ asset = "EURD", ops = ["transfer", "read"] }]
            """
        let policy = try PolicyFiles.compile(
            ["members.toml": members + roles], into: fixture.directory + "/policy", tokens: fixture.config.tokens)
        let provider = try await IdentityProvider.start()
        defer { Task { await provider.server.stop() } }
        let node = try await InProcessNode.start(fixture, policy: policy) { router, chain in
            MemberAPI.install(on: router, chain: chain, logger: .init(label: "api"), oidc: provider.verifier)
        }
        defer { Task { await node.stop() } }
        let body = Data("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getBalance\",\"params\":[\"\(fixture.alice.address.hex)\",\"latest\"]}".utf8)

        let good = try await node.post(body: body, token: try await provider.token(subject: "alice@bank-a.example"))
        #expect(good.status == 200)
        #expect((good.json as? [String: Any])?["result"] as? String == "0x3635c9adc5dea00000")
        #expect(try await node.post(body: body, token: try await provider.token(subject: "mallory@bank-a.example")).status == 401)
        #expect(try await node.post(body: body, token: try await provider.token(subject: "alice@bank-a.example", issuer: "https://evil.example")).status == 401)
        #expect(try await node.post(body: body, token: try await provider.token(subject: "alice@bank-a.example", audience: "other")).status == 401)
        #expect(try await node.post(body: body, token: try await provider.token(subject: "alice@bank-a.example", expiresIn: -600)).status == 401)
    }

    @Test func unreachableJWKSURLIsAClearStartError() async throws {
        await #expect(throws: OIDCSetupError.self) {
            try await OIDCSetup.verifier(NodeConfig.OIDC(jwks: "http://127.0.0.1:9/jwks.json", issuer: Self.issuer, audience: Self.audience))
        }
    }

    @Test func anAuditorSignsInToTheConsoleWithAJWTAndAMemberWithoutAdminReadIsRefused() async throws {
        let fixture = try ChainFixture()
        let auditor = PrivateKey.generate()
        let members = PolicyFiles.members(
            [.bankA, .init("audit-co", "Audit Co")],
            [
                .init("alice", address: fixture.alice.address, extra: "oidc_subject = \"alice@bank-a.example\""),
                .init(
                    "auditor", address: auditor.address, organisation: "audit-co", roles: ["auditor"], kycTier: 1,
                    extra: "oidc_subject = \"auditor@audit-co.example\""),
            ])
        let roles = """
            [role.trader]
            grants = [{ asset = "EURD", ops = ["transfer", "read"] }]
            [role.auditor]
            system = ["read_all", "admin_read"]
            """
        let policy = try PolicyFiles.compile(
            ["members.toml": members + roles], into: fixture.directory + "/policy", tokens: fixture.config.tokens)
        let provider = try await IdentityProvider.start()
        defer { Task { await provider.server.stop() } }
        let node = try await InProcessNode.start(fixture, policy: policy) { routers, chain in
            MemberAPI.install(
                on: routers.member, admin: routers.admin, chain: chain, logger: .init(label: "api"), oidc: provider.verifier)
        }
        defer { Task { await node.stop() } }
        func token(_ subject: String) async throws -> String { try await provider.token(subject: subject) }

        let auditorBrowser = ConsoleClient(node)
        let signedIn = try await auditorBrowser.signIn(try await token("auditor@audit-co.example"))
        #expect(signedIn.status == 303)
        let overview = try await auditorBrowser.get("/console/overview")
        #expect(overview.status == 200)
        #expect(overview.body.contains("Signed in as auditor"))

        #expect(try await ConsoleClient(node).signIn(try await token("alice@bank-a.example")).status == 403)
        #expect(try await ConsoleClient(node).signIn(try await token("mallory@bank-a.example")).status == 401)
    }
}
