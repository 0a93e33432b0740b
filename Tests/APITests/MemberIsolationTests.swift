import API
import Foundation
import Ledger
import Node
import NodeTestSupport
import Policy
import Primitives
import Testing
import Sequencer

/// Non-interference (docs/PRIVACY.md): two chains on the same block schedule that differ only
/// in data carol may not see; carol makes the same calls on both, over every method of the
/// member API, and must get byte-identical answers. A test of this form covers every field,
/// including the ones nobody thought to hide.
@Suite struct MemberIsolationTests {
    /// Two chains with the same members, policy, clock and block-view key, each with its own
    /// data directory, master key and secrets.
    struct Twins {
        let a: Side
        let b: Side
        let time: Locked<UInt64>
        let carol: CallerIdentity

        struct Side {
            let fixture: ChainFixture
            let chain: Chain
            let rpc: EthereumRPC
            let nonces: Locked<[Address: UInt64]>

            func nonce(_ key: PrivateKey) -> UInt64 {
                nonces.withLock { table in
                    defer { table[key.address, default: 0] += 1 }
                    return table[key.address, default: 0]
                }
            }
        }

        static func make(maxBlocksPerBatch: Int = 100) async throws -> Twins {
            let first = try ChainFixture(maxBlocksPerBatch: maxBlocksPerBatch)
            let second = try ChainFixture(maxBlocksPerBatch: maxBlocksPerBatch, sameMembersAs: first)
            let time = Locked<UInt64>(1_800_000_000_000)
            let clock: @Sendable () -> UInt64 = { time.withLock { $0 } }
            let viewKey = SecureRandom.bytes(32)
            func side(_ fixture: ChainFixture) async throws -> Side {
                let policy = try MemberIsolationTests.policy(fixture, in: fixture.directory + "/policy")
                let chain = try await fixture.openChain(policy: policy, clock: clock, metrics: NodeMetrics())
                return Side(fixture: fixture, chain: chain, rpc: EthereumRPC(chain: chain, viewKey: viewKey), nonces: Locked([:]))
            }
            return Twins(
                a: try await side(first), b: try await side(second), time: time,
                carol: CallerIdentity(name: "carol", addresses: [first.carol.address]))
        }

        /// Queues each chain's transactions, then produces one block on each at the same time.
        func block(a transactionsA: (Side) -> [[UInt8]], b transactionsB: (Side) -> [[UInt8]]) async throws {
            time.withLock { $0 += 2_000 }
            for (side, transactions) in [(a, transactionsA(a)), (b, transactionsB(b))] {
                for raw in transactions { _ = try await side.chain.submit(raw: raw) }
                #expect(try await side.chain.produceBlock() != nil)
            }
        }

        /// Every hash either chain's transactions have: carol asks about all of them on both.
        func allTransactionHashes() async throws -> [String] {
            var hashes = Set<String>()
            for side in [a, b] {
                let head = await side.chain.head.header.number
                for number in 0...head {
                    for transaction in try side.chain.transactions(blockNumber: number) { hashes.insert(transaction.hash.hex) }
                }
            }
            return hashes.sorted()
        }
    }

    static func policy(_ fixture: ChainFixture, in directory: String) throws -> CompiledPolicy {
        let members = PolicyFiles.members(
            [.bankA, .bankB],
            [
                .init("alice", address: fixture.alice.address), .init("bob", address: fixture.bob.address),
                .init("carol", address: fixture.carol.address, organisation: "bank-b"),
                .init("issuer", address: fixture.issuer.address, roles: ["issuer"]),
            ])
        let roles = """
            [role.trader]
            grants = [{ asset = "EURD", ops = ["transfer", "read"] }, { asset = "native", ops = ["transfer", "read"] }]
            [role.issuer]
            grants = [{ asset = "EURD", ops = ["mint", "burn", "transfer", "read"] }, { asset = "native", ops = ["transfer", "read"] }]
            """
        // No one may hold more than 4,000 EURD: the rule a probe would use to find a balance.
        let compliance = """
            [sanctions]
            list = "sanctions.list.toml"
            [[rule]]
            id = "eurd-max"
            kind = "max_balance"
            asset = "EURD"
            max = "4000.00"
            """
        return try PolicyFiles.compile(
            [
                "members.toml": members, "roles.toml": roles, "compliance.toml": compliance,
                "sanctions.list.toml": "addresses = []\n",
            ], into: directory, tokens: fixture.config.tokens)
    }

    // MARK: - Transactions

    static func eurd(_ whole: UInt64, _ cents: UInt64 = 0) -> UInt256 { UInt256(whole * 1_000_000 + cents * 10_000) }

    static func mint(_ side: Twins.Side, to: Address, amount: UInt256) -> [UInt8] {
        let data = ABI.encodeCall(ABI.Selector.mint, [ABI.word(to), ABI.word(amount)])
        return side.fixture.tokenCall(from: side.fixture.issuer, data: data, nonce: side.nonce(side.fixture.issuer))
    }

    static func pay(_ side: Twins.Side, _ from: KeyPath<ChainFixture, PrivateKey>, _ to: KeyPath<ChainFixture, PrivateKey>, _ amount: UInt256)
        -> [UInt8]
    {
        let sender = side.fixture[keyPath: from]
        return side.fixture.tokenTransfer(
            from: sender, to: side.fixture[keyPath: to].address, amount: amount, nonce: side.nonce(sender))
    }

    static func native(_ side: Twins.Side, _ from: KeyPath<ChainFixture, PrivateKey>, _ to: KeyPath<ChainFixture, PrivateKey>, _ amount: UInt256)
        -> [UInt8]
    {
        let sender = side.fixture[keyPath: from]
        return side.fixture.nativeTransfer(from: sender, to: side.fixture[keyPath: to].address, amount: amount, nonce: side.nonce(sender))
    }

    // MARK: - The matrix

    /// One call per row; every method of the member API has at least one row (checked by
    /// `everyMemberMethodHasARowInTheMatrix`).
    static func matrix(_ twins: Twins, hashes: [String]) -> [(method: String, params: JSON)] {
        let fixture = twins.a.fixture
        let token = JSON.string(ChainFixture.eurd.hex)
        let addresses = [fixture.alice.address, fixture.bob.address, fixture.carol.address, fixture.issuer.address].map { JSON.string($0.hex) }
        func call(_ selector: UInt32, _ words: [Hash32]) -> JSON {
            .object([("to", token), ("data", .string(Hex.encode(ABI.encodeCall(selector, words))))])
        }
        func transfer(to: Address, amount: UInt256) -> JSON {
            .object([
                ("from", .string(fixture.carol.address.hex)), ("to", token),
                ("data", .string(Hex.encode(ABI.encodeCall(ABI.Selector.transfer, [ABI.word(to), ABI.word(amount)])))),
            ])
        }
        var rows: [(String, JSON)] = [
            ("eth_chainId", .array([])), ("net_version", .array([])), ("net_listening", .array([])),
            ("eth_syncing", .array([])), ("web3_clientVersion", .array([])), ("eth_blockNumber", .array([])),
            ("eth_gasPrice", .array([])), ("eth_maxPriorityFeePerGas", .array([])), ("eth_accounts", .array([])),
            ("eth_feeHistory", .array([.string("0x4"), .string("latest"), .array([.number("50")])])),
            ("eth_getLogs", .array([.object([("fromBlock", .string("earliest")), ("toBlock", .string("latest"))])])),
            ("eth_getLogs", .array([.object([("fromBlock", .string("0x1")), ("address", token)])])),
        ]
        for number in 0...4 {
            let tag = JSON.string(Hex.encodeQuantity(UInt64(number)))
            rows.append(("eth_getBlockByNumber", .array([tag, .bool(true)])))
            rows.append(("eth_getBlockByNumber", .array([tag, .bool(false)])))
            rows.append(("eth_getBlockTransactionCountByNumber", .array([tag])))
        }
        for address in addresses {
            rows.append(("eth_getBalance", .array([address, .string("latest")])))
            rows.append(("eth_getTransactionCount", .array([address, .string("latest")])))
            rows.append(("eth_getTransactionCount", .array([address, .string("pending")])))
            if case .string(let text) = address, let holder = try? Address(hex: text) {
                rows.append(("eth_call", .array([call(ABI.Selector.balanceOf, [ABI.word(holder)]), .string("latest")])))
                rows.append(("eth_call", .array([call(ABI.Selector.allowance, [ABI.word(holder), ABI.word(fixture.carol.address)])])))
                // Probes: a payment that fits under bob's limit only if bob holds little, and one no one could take.
                rows.append(("eth_estimateGas", .array([transfer(to: holder, amount: eurd(200))])))
                rows.append(("eth_estimateGas", .array([transfer(to: holder, amount: eurd(4_001))])))
                rows.append(("eth_call", .array([transfer(to: holder, amount: eurd(200)), .string("latest")])))
                rows.append(("eth_call", .array([transfer(to: holder, amount: eurd(999))])))
            }
        }
        // Disclosures of the others' holdings, at the latest executed batch and at named ones.
        for holder in [fixture.alice.address, fixture.bob.address, fixture.issuer.address] {
            for asset in [Address.zero, ChainFixture.eurd] {
                for batch in [JSON.null, .string("0x1"), .string("0x2"), .string("0x3")] {
                    rows.append(("cloister_getBalanceProof", .array([.string(holder.hex), .string(asset.hex), batch])))
                }
            }
        }
        rows.append(("eth_call", .array([call(ABI.Selector.totalSupply, [])])))
        rows.append(("eth_call", .array([call(ABI.Selector.symbol, [])])))
        for hash in hashes {
            rows.append(("eth_getTransactionByHash", .array([.string(hash)])))
            rows.append(("eth_getTransactionReceipt", .array([.string(hash)])))
            rows.append(("cloister_getWithdrawalProof", .array([.string(hash)])))
            rows.append(("cloister_getTransactionProof", .array([.string(hash)])))
        }
        return rows
    }

    /// Runs every row on one side as `caller`, then the rows that take a block hash with the
    /// hashes that side answered (so a hash that differs makes everything after it differ too),
    /// then a write. Returns the answers, serialized.
    static func answers(_ side: Twins.Side, _ rows: [(method: String, params: JSON)], caller: CallerIdentity, raw: [UInt8]) async -> [String] {
        var answers = [String]()
        var blockHashes = [JSON]()
        func ask(_ method: String, _ params: JSON) async -> JSON {
            let result = await side.rpc.handle(RPCRequest(id: .number("1"), method: method, params: params), caller: caller)
            let answer: JSON
            switch result {
            case .success(let value): answer = .object([("result", value)])
            case .failure(let error): answer = .object([("code", .number(String(error.code))), ("message", .string(error.message))])
            }
            answers.append(method + " " + String(decoding: params.serialized, as: UTF8.self) + " -> " + String(decoding: answer.serialized, as: UTF8.self))
            return answer
        }
        for (method, params) in rows {
            let answer = await ask(method, params)
            if method == "eth_getBlockByNumber", let hash = answer["result"]?["hash"] { blockHashes.append(hash) }
        }
        for hash in blockHashes {
            _ = await ask("eth_getBlockByHash", .array([hash, .bool(true)]))
            _ = await ask("eth_getLogs", .array([.object([("blockHash", hash)])]))
        }
        _ = await ask("eth_sendRawTransaction", .array([.string(Hex.encode(raw))]))
        _ = await ask("eth_getTransactionCount", .array([.string(side.fixture.carol.address.hex), .string("pending")]))
        return answers
    }

    /// Carol's answers on both chains, compared line by line; the auditor's, which must differ
    /// (otherwise the two chains would not differ and the test would prove nothing).
    static func compare(_ twins: Twins) async throws {
        let rows = matrix(twins, hashes: try await twins.allTransactionHashes())
        let carolsNext = native(twins.a, \.carol, \.issuer, 1)
        _ = twins.b.nonce(twins.b.fixture.carol)
        let onA = await answers(twins.a, rows, caller: twins.carol, raw: carolsNext)
        let onB = await answers(twins.b, rows, caller: twins.carol, raw: carolsNext)
        #expect(onA.count == onB.count)
        for (left, right) in zip(onA, onB) where left != right {
            Issue.record("carol's answers differ:\n  A: \(left)\n  B: \(right)")
        }
        let auditor = CallerIdentity(name: "auditor", addresses: [], readAll: true)
        let auditorA = await answers(twins.a, rows, caller: auditor, raw: [])
        let auditorB = await answers(twins.b, rows, caller: auditor, raw: [])
        #expect(auditorA != auditorB, "the two chains must differ in what an auditor sees")
    }

    // MARK: - Tests

    /// alice and bob trade different amounts, counterparties and counts in the same blocks as
    /// carol's own transactions; carol's answers are byte for byte the same.
    @Test func carolLearnsNothingOfAliceAndBobsTransfers() async throws {
        let twins = try await Twins.make()
        try await twins.block(
            a: { [Self.mint($0, to: $0.fixture.carol.address, amount: Self.eurd(1_000)), Self.pay($0, \.alice, \.bob, Self.eurd(500))] },
            b: { [Self.mint($0, to: $0.fixture.carol.address, amount: Self.eurd(1_000)), Self.pay($0, \.alice, \.bob, Self.eurd(900, 50)), Self.pay($0, \.bob, \.alice, 1)] })
        try await twins.block(
            a: { [Self.native($0, \.carol, \.issuer, 1), Self.pay($0, \.bob, \.alice, Self.eurd(7))] },
            b: { [Self.pay($0, \.alice, \.bob, Self.eurd(3)), Self.native($0, \.alice, \.bob, 12_345), Self.native($0, \.carol, \.issuer, 1)] })
        try await twins.block(
            a: { [Self.pay($0, \.alice, \.bob, 1)] },
            b: { side in (0..<3).map { _ in Self.pay(side, \.bob, \.alice, 2) } })
        try await twins.block(
            a: { [Self.pay($0, \.carol, \.issuer, Self.eurd(5)), Self.native($0, \.bob, \.alice, 9)] },
            b: { [Self.pay($0, \.carol, \.issuer, Self.eurd(5))] })
        try await Self.compare(twins)
    }

    /// bob trades with carol and, in the same blocks, with alice in amounts and counts that
    /// differ between the chains: carol sees her trades with bob and nothing of his others.
    @Test func carolLearnsNothingOfHerCounterpartysOtherTransfers() async throws {
        let twins = try await Twins.make()
        try await twins.block(
            a: { [Self.mint($0, to: $0.fixture.carol.address, amount: Self.eurd(1_000)), Self.pay($0, \.bob, \.carol, Self.eurd(10)), Self.pay($0, \.bob, \.alice, Self.eurd(5))] },
            b: { [Self.mint($0, to: $0.fixture.carol.address, amount: Self.eurd(1_000)), Self.pay($0, \.bob, \.carol, Self.eurd(10)), Self.pay($0, \.bob, \.alice, Self.eurd(50)), Self.pay($0, \.bob, \.alice, 1)] })
        try await twins.block(
            a: { [Self.pay($0, \.bob, \.alice, Self.eurd(3)), Self.pay($0, \.carol, \.bob, Self.eurd(20))] },
            b: { [Self.pay($0, \.carol, \.bob, Self.eurd(20)), Self.pay($0, \.alice, \.bob, Self.eurd(700)), Self.pay($0, \.bob, \.alice, Self.eurd(4))] })
        try await twins.block(
            a: { [Self.pay($0, \.carol, \.bob, Self.eurd(1)), Self.native($0, \.bob, \.alice, 5)] },
            b: { [Self.native($0, \.bob, \.alice, 6), Self.native($0, \.bob, \.alice, 7), Self.pay($0, \.carol, \.bob, Self.eurd(1))] })
        try await Self.compare(twins)
    }

    /// Every method the member API offers has a row in the matrix above: a method added
    /// without one fails here, so no method ships without a non-interference test.
    @Test func everyMemberMethodHasARowInTheMatrix() async throws {
        let twins = try await Twins.make()
        var covered = Set(Self.matrix(twins, hashes: ["0x" + String(repeating: "0", count: 64)]).map(\.method))
        covered.formUnion(["eth_getBlockByHash", "eth_sendRawTransaction"])  // asked in `answers`
        #expect(covered == EthereumRPC.offeredMethods, "missing rows: \(EthereumRPC.offeredMethods.subtracting(covered).sorted())")
        // And a method outside the list is not answered, even if code for it existed.
        let unknown = await twins.a.rpc.handle(RPCRequest(id: .number("1"), method: "eth_getStorageAt", params: .array([])), caller: twins.carol)
        guard case .failure(let error) = unknown else { Issue.record("eth_getStorageAt answered"); return }
        #expect(error.code == -32601)
    }

    /// Every field of a member's block and receipt is one the comparison covers: the answers
    /// carry exactly the execution-apis fields (plus `revertReason` for a failed sender's receipt).
    @Test func blockAndReceiptFieldsAreTheDocumentedOnes() async throws {
        let twins = try await Twins.make()
        try await twins.block(a: { [Self.native($0, \.carol, \.issuer, 1)] }, b: { [Self.native($0, \.carol, \.issuer, 1)] })
        let block = try await twins.a.rpc.handle(
            RPCRequest(id: nil, method: "eth_getBlockByNumber", params: .array([.string("0x1"), .bool(false)])), caller: twins.carol
        ).get()
        guard case .object(let fields) = block else { Issue.record("no block"); return }
        #expect(Set(fields.map(\.0)) == [
            "number", "hash", "parentHash", "nonce", "sha3Uncles", "logsBloom", "transactionsRoot", "stateRoot", "receiptsRoot",
            "miner", "difficulty", "totalDifficulty", "extraData", "size", "gasLimit", "gasUsed", "timestamp", "mixHash",
            "baseFeePerGas", "transactions", "uncles",
        ])
        // What a member's header withholds: the state root (on the L1) and the salt.
        #expect(block["stateRoot"]?.stringValue == Hash32.zero.hex)
        #expect(block["mixHash"]?.stringValue == Hash32.zero.hex)
    }

    /// The header brute force of December 2026: knowing that alice paid bob in a one-transfer
    /// block, try every amount against each field carol sees (receipts root, bloom, gas used)
    /// and against her block hash. It recovers the amount from the real header once its salt
    /// is known (so the attack itself is sound), and nothing from carol's view.
    @Test func headerBruteForceRecoversNothingFromAMembersView() async throws {
        let twins = try await Twins.make()
        let secret = Self.eurd(321)
        try await twins.block(a: { [Self.pay($0, \.alice, \.bob, secret)] }, b: { [Self.pay($0, \.alice, \.bob, secret)] })
        let fixture = twins.a.fixture
        func candidates(_ amount: UInt256) -> (receiptsRoot: Hash32, log: Log) {
            let log = Log(
                address: ChainFixture.eurd,
                topics: [ABI.Topic.transfer, ABI.word(fixture.alice.address), ABI.word(fixture.bob.address)],
                data: ABI.word(amount).bytes)
            let receipt = IncludedTransaction.receiptHash(succeeded: true, cumulativeGasUsed: 50_000, logs: [log])
            return (KeccakMerkle.root([receipt]), log)
        }
        let amounts = (0...5_000).map { Self.eurd(UInt64($0)) } + [secret]

        // The attack is sound: against the real header, with its salt, it finds the amount.
        let real = try #require(try twins.a.chain.block(number: 1))
        let found = amounts.first { candidates($0).receiptsRoot == real.header.receiptsRoot }
        #expect(found == secret)
        #expect(real.header.logsBloom.contains(ABI.word(fixture.alice.address)))

        // carol's view: no field and not the hash matches any guess.
        let shown = try await twins.a.rpc.handle(
            RPCRequest(id: nil, method: "eth_getBlockByNumber", params: .array([.string("0x1"), .bool(false)])), caller: twins.carol
        ).get()
        let receiptsRoot = try Hash32(hex: try #require(shown["receiptsRoot"]?.stringValue))
        let hash = try Hash32(hex: try #require(shown["hash"]?.stringValue))
        let bloomHex = try #require(shown["logsBloom"]?.stringValue)
        let bloom = try #require(LogsBloom(bytes: try Hex.decodeData(bloomHex)))
        #expect(shown["gasUsed"]?.stringValue == "0x0")
        #expect(!bloom.contains(ABI.word(fixture.alice.address)) && !bloom.contains(ABI.word(fixture.bob.address)))
        for amount in amounts {
            let guess = candidates(amount)
            #expect(guess.receiptsRoot != receiptsRoot)
            // The hash as Ethereum would compute it over a header with the guessed root.
            var header = real.header
            header.receiptsRoot = guess.receiptsRoot
            header.mixHash = .zero
            #expect(header.hash.bytes[8...] != hash.bytes[8...])
            #expect(real.header.hash != hash)
        }
    }

    /// A refused probe leaves an audit entry naming the member and the rule; past the
    /// configured rate the member's policy-asking calls are refused (-32005) and counted.
    @Test func refusedProbesAreAuditedAndRateLimited() async throws {
        let twins = try await Twins.make()
        let side = twins.a
        let probe = JSON.object([
            ("from", .string(side.fixture.carol.address.hex)), ("to", .string(ChainFixture.eurd.hex)),
            ("data", .string(Hex.encode(ABI.encodeCall(ABI.Selector.transfer, [ABI.word(side.fixture.bob.address), ABI.word(Self.eurd(4_001))])))),
        ])
        let limit = side.fixture.config.policyRefusalsPerMinute
        for _ in 0..<limit {
            let answer = await side.rpc.handle(RPCRequest(id: nil, method: "eth_estimateGas", params: .array([probe])), caller: twins.carol)
            guard case .failure(let error) = answer else { Issue.record("the probe was allowed"); return }
            #expect(error.code == 3 && error.message.contains("policy rule eurd-max"), "\(error.message)")
        }
        let throttled = await side.rpc.handle(RPCRequest(id: nil, method: "eth_call", params: .array([probe])), caller: twins.carol)
        guard case .failure(let error) = throttled else { Issue.record("not throttled"); return }
        #expect(error.code == -32005)
        try await side.chain.produceBlock()  // flushes pending audit entries
        let audited = try side.chain.auditEntries().filter { $0.kind == .policyDecision && $0.rule == "eurd-max" && $0.outcome == "deny" }
        #expect(audited.count == limit)
        #expect(audited.allSatisfy { $0.actor == side.fixture.carol.address.checksummed && $0.detail.contains("member carol") })
        let metrics = String(decoding: side.chain.nodeMetrics.exposition(), as: UTF8.self)
        #expect(metrics.contains("cloister_policy_probes_throttled_total{member=\"carol\"} 1"), "\(metrics)")
        #expect(metrics.contains("cloister_policy_refusals_provoked_total"))
        // Another member is not held back by carol's probing.
        let alice = CallerIdentity(name: "alice", addresses: [side.fixture.alice.address])
        let aliceProbe = await side.rpc.handle(RPCRequest(id: nil, method: "eth_blockNumber", params: .array([])), caller: alice)
        #expect((try? aliceProbe.get()) != nil)
    }
}
