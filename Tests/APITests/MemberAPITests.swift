import API
import Foundation
import Ledger
import Node
import NodeTestSupport
import Primitives
import Testing
import Transactions

/// The member API over real HTTP: privacy between members, writes, and bad input.
@Suite(.serialized) struct MemberAPITests {
    let fixture: ChainFixture
    let node: InProcessNode

    static let tokens = ["alice-token", "bob-token", "carol-token", "auditor-token"]

    init() async throws {
        let fixture = try ChainFixture()
        self.fixture = fixture
        let identities: [String: CallerIdentity] = [
            "alice-token": CallerIdentity(name: "alice", addresses: [fixture.alice.address]),
            "bob-token": CallerIdentity(name: "bob", addresses: [fixture.bob.address]),
            "carol-token": CallerIdentity(name: "carol", addresses: [fixture.carol.address]),
            "auditor-token": CallerIdentity(name: "auditor", addresses: [], readAll: true),
        ]
        node = try await InProcessNode.start(fixture) { router, chain in
            RPCRoutes.install(on: router, chain: chain, authenticator: StaticTokenAuthenticator(identities), logger: .init(label: "api"))
        }
    }

    func send(_ raw: [UInt8], token: String) async throws -> [String: Any] {
        try await node.rpc("eth_sendRawTransaction", [Hex.encode(raw)], token: token)
    }

    /// alice → carol EURD transfer, included in a block; returns its hash.
    func aliceToCarol(amount: UInt256 = 2_500) async throws -> String {
        let response = try await send(
            fixture.tokenTransfer(from: fixture.alice, to: fixture.carol.address, amount: amount, nonce: 0), token: "alice-token")
        let hash = try #require(response["result"] as? String, "\(response)")
        try await awaitIncluded(try Hash32(hex: hash))
        return hash
    }

    /// Produces blocks until `hash` is in one (see `InProcessNode.produceBlocksUntilStored`).
    func awaitIncluded(_ hash: Hash32) async throws {
        let stored = try await node.produceBlocksUntilStored(hash)
        #expect(stored, "transaction \(hash.hex) was never included")
    }

    @Test func requestWithoutOrWithBadTokenIs401BeforeAnyJSONRPC() async throws {
        defer { Task { await node.stop() } }
        let body = Data("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\"}".utf8)
        #expect(try await node.post(body: body, token: nil).status == 401)
        #expect(try await node.post(body: body, token: "forged").status == 401)
        #expect(try await node.post(body: Data("not json".utf8), token: nil).status == 401)
        let ok = try await node.post(body: body, token: "bob-token")
        #expect(ok.status == 200)
        #expect((ok.json as? [String: Any])?["result"] as? String == "0x1092")
        #expect(try await node.post("/rpc", body: body, token: "bob-token").status == 200)
    }

    @Test func memberCannotReadAnotherMembersBalanceOrNonce() async throws {
        defer { Task { await node.stop() } }
        _ = try await aliceToCarol()
        let alice = fixture.alice.address.hex
        let own = try await node.rpc("eth_getBalance", [alice, "latest"], token: "alice-token")
        #expect(own["result"] as? String == "0x3635c9adc5dea00000")
        let foreign = try await node.rpc("eth_getBalance", [alice, "latest"], token: "bob-token")
        #expect(foreign["result"] as? String == "0x0")
        #expect(try await node.rpc("eth_getTransactionCount", [alice, "latest"], token: "alice-token")["result"] as? String == "0x1")
        #expect(try await node.rpc("eth_getTransactionCount", [alice, "pending"], token: "bob-token")["result"] as? String == "0x0")
        #expect(try await node.rpc("eth_getBalance", [alice, "latest"], token: "auditor-token")["result"] as? String == "0x3635c9adc5dea00000")

        // balanceOf through eth_call: own balance visible, another's answered as zero.
        let balanceOfAlice = Hex.encode(ABI.encodeCall(ABI.Selector.balanceOf, [ABI.word(fixture.alice.address)]))
        let call: [String: Any] = ["to": ChainFixture.eurd.hex, "data": balanceOfAlice]
        let mine = try await node.rpc("eth_call", [call, "latest"], token: "alice-token")
        #expect(mine["result"] as? String == Hex.encode(UInt256(5_000_000_000 - 2_500).bigEndianBytes))
        let theirs = try await node.rpc("eth_call", [call, "latest"], token: "bob-token")
        #expect(theirs["result"] as? String == Hex.encode([UInt8](repeating: 0, count: 32)))
    }

    @Test func thirdMemberCannotSeeTransactionReceiptOrLogsOfOthers() async throws {
        defer { Task { await node.stop() } }
        let hash = try await aliceToCarol()
        for token in ["alice-token", "carol-token", "auditor-token"] {
            let receipt = try await node.rpc("eth_getTransactionReceipt", [hash], token: token)
            let object = try #require(receipt["result"] as? [String: Any], "\(token): \(receipt)")
            #expect(object["status"] as? String == "0x1")
            #expect((object["logs"] as? [Any])?.count == 1)
            #expect((try await node.rpc("eth_getTransactionByHash", [hash], token: token))["result"] is [String: Any])
        }
        #expect(try await node.rpc("eth_getTransactionReceipt", [hash], token: "bob-token")["result"] is NSNull)
        #expect(try await node.rpc("eth_getTransactionByHash", [hash], token: "bob-token")["result"] is NSNull)

        let filter: [String: Any] = ["fromBlock": "0x0", "toBlock": "latest"]
        let bobLogs = try await node.rpc("eth_getLogs", [filter], token: "bob-token")
        #expect((bobLogs["result"] as? [Any])?.isEmpty == true)
        let carolLogs = try await node.rpc("eth_getLogs", [filter], token: "carol-token")
        #expect((carolLogs["result"] as? [Any])?.count == 1)

        let bobBlock = try await node.rpc("eth_getBlockByNumber", ["0x1", false], token: "bob-token")
        #expect(((bobBlock["result"] as? [String: Any])?["transactions"] as? [Any])?.isEmpty == true)
        let auditorBlock = try await node.rpc("eth_getBlockByNumber", ["0x1", true], token: "auditor-token")
        let transactions = try #require((auditorBlock["result"] as? [String: Any])?["transactions"] as? [[String: Any]])
        #expect(transactions.first?["hash"] as? String == hash)
        #expect(transactions.first?["from"] as? String == fixture.alice.address.hex)
    }

    @Test func memberCannotSubmitATransactionSignedByAnother() async throws {
        defer { Task { await node.stop() } }
        let raw = fixture.nativeTransfer(from: fixture.alice, to: fixture.bob.address, amount: 1, nonce: 0)
        let response = try await send(raw, token: "bob-token")
        #expect((response["error"] as? [String: Any])?["code"] as? Int == -32001)
        #expect(await node.chain.pendingCount == 0)
    }

    @Test(arguments: [
        ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":", -32700),
        ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_sendRawTransaction\",\"params\":[\"0xzz\"]}", -32602),
        ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getBalance\",\"params\":[\"0x12\"]}", -32602),
        ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_sendTransaction\",\"params\":[{}]}", -32601),
        ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"debug_traceTransaction\",\"params\":[]}", -32601),
        ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getLogs\",\"params\":[{\"fromBlock\":\"0x5\",\"toBlock\":\"0x1\"}]}", -32602),
        ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getLogs\",\"params\":[{\"fromBlock\":\"0x0\",\"toBlock\":\"0xffffff\"}]}", -32005),
    ])
    func badInputGetsAClearErrorAndTheNextRequestSucceeds(_ input: (String, Int)) async throws {
        defer { Task { await node.stop() } }
        let bad = try await node.post(body: Data(input.0.utf8), token: "alice-token")
        let error = try #require((bad.json as? [String: Any])?["error"] as? [String: Any], "\(String(decoding: bad.body, as: UTF8.self))")
        #expect(error["code"] as? Int == input.1)
        #expect((error["message"] as? String)?.isEmpty == false)
        #expect(try await node.rpc("eth_blockNumber", [], token: "alice-token")["result"] as? String == "0x0")
    }

    @Test func wrongChainIDAndUnsupportedOperationsAreRefusedWithReasons() async throws {
        defer { Task { await node.stop() } }
        let wrongChain = TransactionCodec.sign(
            .legacy(chainID: 1, nonce: 0, gasPrice: 0, gasLimit: 21_000, to: fixture.bob.address, value: 1), with: fixture.alice)
        let chainError = try await send(wrongChain.rawBytes, token: "alice-token")["error"] as? [String: Any]
        #expect(chainError?["code"] as? Int == -32000)
        #expect((chainError?["message"] as? String)?.contains("chain id") == true)

        let creation = TransactionCodec.sign(
            .dynamicFee(chainID: 4242, nonce: 0, maxPriorityFeePerGas: 0, maxFeePerGas: 0, gasLimit: 100_000, to: nil, value: 0, data: [0x60]),
            with: fixture.alice)
        let creationError = try await send(creation.rawBytes, token: "alice-token")["error"] as? [String: Any]
        #expect(creationError?["code"] as? Int == -32000)
        #expect(await node.chain.pendingCount == 0)
        #expect(await node.chain.head.header.number == 0)
    }

    @Test func oversizedBodyAndBatchAreRefused() async throws {
        defer { Task { await node.stop() } }
        let huge = Data(repeating: 0x20, count: 6 * 1024 * 1024)
        #expect(try await node.post(body: huge, token: "alice-token").status == 413)
        let one = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\"}"
        let batch = "[" + Array(repeating: one, count: 1_001).joined(separator: ",") + "]"
        let response = try await node.post(body: Data(batch.utf8), token: "alice-token")
        #expect(((response.json as? [String: Any])?["error"] as? [String: Any])?["code"] as? Int == -32005)
        #expect(try await node.rpc("eth_chainId", [], token: "alice-token")["result"] as? String == "0x1092")
    }

    /// A batch of transactions is admitted together (recovered on two tasks, queued in one hop
    /// onto the sequencer) and every item is still answered on its own, in request order: the
    /// queued ones with their hash, each refusal with its own code, other methods as usual.
    @Test func batchOfTransactionsIsAdmittedTogetherAndEachItemAnsweredInPlace() async throws {
        defer { Task { await node.stop() } }
        let first = fixture.tokenTransfer(from: fixture.alice, to: fixture.carol.address, amount: 1, nonce: 0)
        let second = fixture.tokenTransfer(from: fixture.alice, to: fixture.carol.address, amount: 2, nonce: 1)
        let foreign = fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 1, nonce: 0)
        let truncated = Array(first.dropLast(3))
        func send(_ id: Int, _ raw: [UInt8]) -> String {
            #"{"jsonrpc":"2.0","id":\#(id),"method":"eth_sendRawTransaction","params":["\#(Hex.encode(raw))"]}"#
        }
        let items = [
            send(0, first), #"{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}"#, send(2, foreign), send(3, truncated),
            send(4, second), send(5, first), #"{"jsonrpc":"2.0","id":6,"method":"eth_sendRawTransaction","params":[]}"#,
        ]
        let response = try await node.post(body: Data(("[" + items.joined(separator: ",") + "]").utf8), token: "alice-token")
        let answers = try #require(response.json as? [[String: Any]], "\(String(decoding: response.body, as: UTF8.self))")
        #expect(answers.map { $0["id"] as? Int } == [0, 1, 2, 3, 4, 5, 6])
        func code(_ index: Int) -> Int? { (answers[index]["error"] as? [String: Any])?["code"] as? Int }
        #expect(answers[0]["result"] as? String == Keccak256.hash(first).hex)
        #expect(answers[1]["result"] as? String == "0x1092")
        #expect(code(2) == -32001)  // signed by bob, sent by alice
        #expect(code(3) == -32000)  // cannot be decoded
        #expect(answers[4]["result"] as? String == Keccak256.hash(second).hex)
        #expect(code(5) == -32000)  // already queued by item 0
        #expect(code(6) == -32602)

        // Both queued ones run. (The node's own block production may already have taken them:
        // an answer waits for the admission journal's write, so the mempool count is a race; on a
        // slow machine, under ThreadSanitizer, that block may still be being written, and the
        // refusals' audit entries are written with the block after it.)
        let deadline = ContinuousClock.now + .seconds(60)
        while try node.chain.transaction(hash: Keccak256.hash(second)) == nil
            || !(try node.chain.auditEntries().contains { $0.kind == .admissionRefused }),
            ContinuousClock.now < deadline
        {
            try await node.chain.produceBlock()
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try node.chain.transaction(hash: Keccak256.hash(first))?.receipt.succeeded == true)
        let refused = try node.chain.auditEntries().filter { $0.kind == .admissionRefused }.map(\.transaction)
        #expect(refused.contains(Keccak256.hash(truncated).hex))
        #expect(refused.contains(Keccak256.hash(first).hex))
        #expect(try node.chain.transaction(hash: Keccak256.hash(second)) != nil)
    }

    @Test func sentTransactionIsExecutedAndItsReceiptHasTransferLog() async throws {
        defer { Task { await node.stop() } }
        let raw = fixture.tokenTransfer(from: fixture.alice, to: fixture.carol.address, amount: 7, nonce: 0)
        let response = try await send(raw, token: "alice-token")
        #expect(response["result"] as? String == Keccak256.hash(raw).hex)
        try await awaitIncluded(Keccak256.hash(raw))
        let receipt = try #require(try await node.rpc("eth_getTransactionReceipt", [Keccak256.hash(raw).hex], token: "alice-token")["result"] as? [String: Any])
        let log = try #require((receipt["logs"] as? [[String: Any]])?.first)
        #expect((log["topics"] as? [String])?.first == "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")
        #expect(log["data"] as? String == Hex.encode(UInt256(7).bigEndianBytes))
        #expect(receipt["blockNumber"] as? String == "0x1")
    }
}
