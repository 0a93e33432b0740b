import API
import Auth
import Foundation
import Node
import NodeTestSupport
import Policy
import Primitives
import Testing

/// Wallet sessions across a real node restart: same data directory, new process state, new port.
@Suite(.serialized) struct SessionRestartTests {
    static func start(_ fixture: ChainFixture, policy: CompiledPolicy? = nil) async throws -> InProcessNode {
        try await InProcessNode.start(fixture, policy: policy) { router, chain in
            MemberAPI.install(on: router, chain: chain, logger: .init(label: "api"))
        }
    }

    /// Challenge, EIP-191 signature as eth-account makes it, login: the response's JSON.
    static func signIn(_ key: PrivateKey, on node: InProcessNode) async throws -> (status: Int, body: [String: Any]) {
        let challenge = try await node.post(
            "/auth/challenge", body: try JSONSerialization.data(withJSONObject: ["address": key.address.checksummed]),
            token: nil)
        let message = try #require((challenge.json as? [String: Any])?["message"] as? String)
        let bytes = Array(message.utf8)
        var hasher = Keccak256()
        hasher.update(Array("\u{19}Ethereum Signed Message:\n\(bytes.count)".utf8))
        hasher.update(bytes)
        let signature = key.sign(messageHash: hasher.finalize())
        let login = try await node.post(
            "/auth/login",
            body: try JSONSerialization.data(withJSONObject: [
                "message": message,
                "signature": Hex.encode(
                    signature.r.bigEndianBytes + signature.s.bigEndianBytes + [27 + signature.recoveryID]),
            ]), token: nil)
        return (login.status, (login.json as? [String: Any]) ?? [:])
    }

    @Test func tokenIssuedBeforeANodeRestartStillAuthenticates() async throws {
        let fixture = try ChainFixture()
        let first = try await Self.start(fixture)
        let login = try await Self.signIn(fixture.alice, on: first)
        let token = try #require(login.body["token"] as? String)
        #expect(try await first.rpc("eth_blockNumber", [], token: token)["result"] is String)
        await first.stop()

        let second = try await Self.start(fixture)
        defer { Task { await second.stop() } }
        let answer = try await second.rpc("eth_blockNumber", [], token: token)
        #expect(answer["result"] is String, "\(answer)")
        // The session is live again, not merely accepted once.
        #expect(try await second.rpc("eth_chainId", [], token: token)["result"] as? String == "0x1092")
        // Tokens are still checked: one altered byte is refused.
        let forged = String(token.dropLast()) + (token.hasSuffix("A") ? "E" : "A")
        #expect(
            try await second.post(
                body: Data("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\"}".utf8), token: forged
            ).status == 401)
    }

    @Test func walletThatIsNotAnActiveMemberGetsNoToken() async throws {
        let fixture = try ChainFixture()
        let (policy, _) = try PolicyIdentityTests.policy(for: fixture, bobStatus: "suspended")
        let node = try await Self.start(fixture, policy: policy)
        defer { Task { await node.stop() } }
        for key in [fixture.bob, fixture.carol] {
            let login = try await Self.signIn(key, on: node)
            #expect(login.status == 401)
            #expect(login.body["token"] == nil)
            #expect((login.body["error"] as? String)?.contains("not an active member") == true)
        }
        let alice = try await Self.signIn(fixture.alice, on: node)
        #expect(alice.status == 200)
        #expect(alice.body["token"] is String)
    }
}
