import API
import Auth
import Foundation
import Node
import NodeTestSupport
import Policy
import Primitives
import Testing

/// API keys and membership status come from policy: a suspended member is refused at the door.
@Suite(.serialized) struct PolicyIdentityTests {
    static func policy(for fixture: ChainFixture, bobStatus: String) throws -> (CompiledPolicy, String) {
        let key = "clk_test-key-of-bob"
        let members = PolicyFiles.members(
            [.bankA],
            [
                .init("alice", address: fixture.alice.address),
                .init("bob", address: fixture.bob.address, status: bobStatus, apiKeySHA256: APIKeys.hash(key).hex),
            ])
        let roles = """
            [role.trader]
            grants = [{ asset = "EURD", ops = ["transfer", "read"] }]
            """
        let policy = try PolicyFiles.compile(
            ["members.toml": members + roles], into: fixture.directory + "/policy-\(bobStatus)", tokens: fixture.config.tokens)
        return (policy, key)
    }

    @Test func apiKeyOfActiveMemberIsAcceptedAndOfSuspendedMemberRefused() async throws {
        for status in ["active", "suspended"] {
            let fixture = try ChainFixture()
            let (policy, key) = try Self.policy(for: fixture, bobStatus: status)
            let node = try await InProcessNode.start(fixture, policy: policy) { router, chain in
                MemberAPI.install(on: router, chain: chain, logger: .init(label: "api"))
            }
            let body = Data("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getBalance\",\"params\":[\"\(fixture.bob.address.hex)\",\"latest\"]}".utf8)
            let response = try await node.post(body: body, token: key)
            if status == "active" {
                #expect(response.status == 200)
                #expect(((response.json as? [String: Any])?["result"] as? String) == "0x3635c9adc5dea00000")
            } else {
                #expect(response.status == 401)
                #expect(String(decoding: response.body, as: UTF8.self).contains("suspended"))
            }
            if status == "active" {
                // bob's role grants read on EURD only: a view of another token is refused.
                let view = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"eth_call\",\"params\":[{\"to\":\"\(ChainFixture.zqxt.hex)\",\"data\":\"0x18160ddd\"},\"latest\"]}"
                let refused = try await node.post(body: Data(view.utf8), token: key)
                #expect(((refused.json as? [String: Any])?["error"] as? [String: Any])?["code"] as? Int == -32001)
                let allowed = view.replacingOccurrences(of: ChainFixture.zqxt.hex, with: ChainFixture.eurd.hex)
                #expect(((try await node.post(body: Data(allowed.utf8), token: key)).json as? [String: Any])?["result"] is String)
            }
            // Unknown API keys are refused either way, and the server keeps serving.
            #expect(try await node.post(body: body, token: "clk_not-configured").status == 401)
            #expect(try await node.post(body: body, token: key).status == (status == "active" ? 200 : 401))
            await node.stop()
        }
    }
}
