import API
import Auth
import Foundation
import Node
import NodeTestSupport
import Primitives
import Testing
import Sequencer
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Wallet sign-in over HTTP, then JSON-RPC with the session token.
@Suite(.serialized) struct WalletSignInHTTPTests {
    let fixture: ChainFixture
    let node: InProcessNode

    init() async throws {
        let fixture = try ChainFixture()
        self.fixture = fixture
        node = try await InProcessNode.start(fixture) { router, chain in
            MemberAPI.install(
                on: router, chain: chain, logger: .init(label: "api"),
                rateLimiter: LoginRateLimiter(maxFailures: 3, window: .seconds(60)))
        }
    }

    func post(_ path: String, _ object: [String: String]) async throws -> (Int, [String: Any]) {
        let result = try await node.post(path, body: try JSONSerialization.data(withJSONObject: object), token: nil)
        return (result.status, (result.json as? [String: Any]) ?? [:])
    }

    /// EIP-191 personal_sign, as eth-account does it.
    func personalSign(_ message: String, _ key: PrivateKey) -> String {
        let bytes = Array(message.utf8)
        var hasher = Keccak256()
        hasher.update(Array("\u{19}Ethereum Signed Message:\n\(bytes.count)".utf8))
        hasher.update(bytes)
        let signature = key.sign(messageHash: hasher.finalize())
        return Hex.encode(signature.r.bigEndianBytes + signature.s.bigEndianBytes + [27 + signature.recoveryID])
    }

    func signIn(_ key: PrivateKey) async throws -> (token: String?, message: String, signature: String) {
        let (status, challenge) = try await post("/auth/challenge", ["address": key.address.checksummed])
        #expect(status == 200)
        let message = try #require(challenge["message"] as? String)
        let signature = personalSign(message, key)
        let (_, login) = try await post("/auth/login", ["message": message, "signature": signature])
        return (login["token"] as? String, message, signature)
    }

    @Test func signedInMemberCallsJSONRPCWithItsSessionToken() async throws {
        defer { Task { await node.stop() } }
        let token = try #require(try await signIn(fixture.alice).token)
        let balance = try await node.rpc("eth_getBalance", [fixture.alice.address.hex, "latest"], token: token)
        #expect(balance["result"] as? String == "0x3635c9adc5dea00000")
    }

    @Test func signInNonceCannotBeUsedTwice() async throws {
        defer { Task { await node.stop() } }
        let first = try await signIn(fixture.alice)
        #expect(first.token != nil)
        let (status, again) = try await post("/auth/login", ["message": first.message, "signature": first.signature])
        #expect(status == 401)
        #expect(again["token"] == nil)
    }

    @Test func messageSignedByAnotherKeyIsRefused() async throws {
        defer { Task { await node.stop() } }
        let (_, challenge) = try await post("/auth/challenge", ["address": fixture.alice.address.checksummed])
        let message = try #require(challenge["message"] as? String)
        let (status, _) = try await post("/auth/login", ["message": message, "signature": personalSign(message, fixture.bob)])
        #expect(status == 401)
    }

    @Test func messageForAnotherDomainOrChainIsRefused() async throws {
        defer { Task { await node.stop() } }
        for (original, replacement) in [("127.0.0.1:0 wants", "evil.example wants"), ("Chain ID: 4242", "Chain ID: 1")] {
            let (_, challenge) = try await post("/auth/challenge", ["address": fixture.alice.address.checksummed])
            let message = try #require(challenge["message"] as? String).replacingOccurrences(of: original, with: replacement)
            #expect(message.contains(replacement), "\(message)")
            let (status, _) = try await post("/auth/login", ["message": message, "signature": personalSign(message, fixture.alice)])
            #expect(status == 401)
        }
    }

    @Test(arguments: ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer cls1_forged", "Bearer a.b.c", "Bearer clk_unknown"])
    func missingMalformedOrForgedCredentialsAre401(_ header: String) async throws {
        defer { Task { await node.stop() } }
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(node.port)/")!)
        request.httpMethod = "POST"
        request.httpBody = Data("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\"}".utf8)
        if !header.isEmpty { request.setValue(header, forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 401)
        #expect(!String(decoding: data, as: UTF8.self).contains("forged"))
        // The server keeps serving.
        let token = try #require(try await signIn(fixture.bob).token)
        #expect(try await node.rpc("eth_chainId", [], token: token)["result"] as? String == "0x1092")
    }

    @Test func repeatedFailedLoginsAreRateLimitedAndAudited() async throws {
        defer { Task { await node.stop() } }
        var statuses = [Int]()
        for _ in 0..<4 {
            let (status, _) = try await post("/auth/login", ["message": "not a sign-in message", "signature": "0x00"])
            statuses.append(status)
        }
        #expect(statuses.prefix(3).allSatisfy { $0 == 400 || $0 == 401 })
        #expect(statuses.last == 429)
        try await node.chain.produceBlock()
        #expect(try node.chain.auditEntries().contains { $0.kind == .loginFailed })
    }
}
