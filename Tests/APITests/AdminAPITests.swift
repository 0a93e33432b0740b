import API
import Auth
import Foundation
import Node
import NodeTestSupport
import Policy
import Primitives
import Testing
import Sequencer

/// The read-only admin and audit API on its own listener: what an auditor can answer through
/// it alone, who is refused, and that every read leaves an audit entry.
@Suite(.serialized) struct AdminAPITests {
    static let auditorKey = "clk_auditor-of-the-test-chain"
    static let complianceKey = "clk_compliance-officer"
    static let aliceKey = "clk_alice-trader"

    let fixture: ChainFixture
    let auditor = PrivateKey.generate()
    let officer = PrivateKey.generate()

    init() throws { fixture = try ChainFixture(maxBlocksPerBatch: 2) }

    func policy(maxTransfer: String = "1000") throws -> CompiledPolicy {
        let members = PolicyFiles.members(
            [.bankA, .bankB, .init("audit-co", "Audit Co")],
            [
                .init("alice", address: fixture.alice.address, apiKeySHA256: APIKeys.hash(Self.aliceKey).hex),
                .init("bob", address: fixture.bob.address),
                .init("carol", address: fixture.carol.address, organisation: "bank-b", kycTier: 3, jurisdiction: "FR"),
                .init(
                    "auditor", address: auditor.address, organisation: "audit-co", roles: ["auditor"], kycTier: 1,
                    jurisdiction: "NL", apiKeySHA256: APIKeys.hash(Self.auditorKey).hex),
                .init(
                    "officer", address: officer.address, roles: ["compliance"], kycTier: 1,
                    apiKeySHA256: APIKeys.hash(Self.complianceKey).hex),
            ])
        let rolesAndRules = """
            [role.trader]
            grants = [{ asset = "*", ops = ["transfer", "read"] }]
            [role.auditor]
            system = ["read_all", "admin_read"]
            [role.compliance]
            system = ["admin_read"]
            [[rule]]
            id = "eurd-max-transfer"
            kind = "transfer_amount"
            asset = "EURD"
            max = "\(maxTransfer)"
            """
        return try PolicyFiles.compile(
            ["policy.toml": members + rolesAndRules], into: fixture.directory + "/policy-\(maxTransfer)",
            tokens: fixture.config.tokens)
    }

    func start(policy: CompiledPolicy) async throws -> InProcessNode {
        try await InProcessNode.start(fixture, policy: policy) { routers, chain in
            MemberAPI.install(on: routers.member, admin: routers.admin, chain: chain, logger: .init(label: "api"))
        }
    }

    func json(_ node: InProcessNode, _ path: String, token: String? = auditorKey) async throws -> [String: Any] {
        let result = try await node.admin(path, token: token)
        #expect(result.status == 200, "GET \(path): \(String(decoding: result.body, as: UTF8.self))")
        return try #require(result.json as? [String: Any], "GET \(path) is not a JSON object")
    }

    func send(_ node: InProcessNode, _ raw: [UInt8]) async throws {
        _ = try await node.chain.submit(raw: raw)
    }

    /// Produces blocks until the mempool is empty and every sealed batch is recorded.
    func settle(_ node: InProcessNode) async throws {
        while await node.chain.pendingCount > 0 { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(120))
    }

    @Test func auditorAnswersTheFourQuestionsThroughTheAPIAlone() async throws {
        let node = try await start(policy: try policy())
        defer { Task { await node.stop() } }
        let start = UInt64(Date().timeIntervalSince1970) - 1
        // Alice sends two allowed EURD transfers and one the rule refuses at admission.
        try await send(node, fixture.tokenTransfer(from: fixture.alice, to: fixture.carol.address, amount: 250_000_000, nonce: 0))
        try await send(node, fixture.tokenTransfer(from: fixture.alice, to: fixture.bob.address, amount: 1_000_000, nonce: 1))
        await #expect(throws: AdmissionError.self) {
            try await node.chain.submit(raw: fixture.tokenTransfer(from: fixture.alice, to: fixture.carol.address, amount: 5_000_000_000, nonce: 2))
        }
        // Bob sends one, which must not appear in Alice's answer.
        try await send(node, fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 7, nonce: 0))
        try await settle(node)

        // 1. What did member alice send last week?
        let weekAgo = start - 7 * 86_400
        let sent = try await json(node, "/admin/v1/transactions?member=alice&from_time=\(weekAgo)")
        let items = try #require(sent["items"] as? [[String: Any]])
        #expect(items.count == 2)
        #expect(items.allSatisfy { ($0["member"] as? String) == "alice" })
        let amounts = items.compactMap { ($0["operation"] as? [String: Any])?["amount"] as? String }
        #expect(amounts == ["250000000", "1000000"])
        #expect((items[0]["decision"] as? [String: Any])?["outcome"] as? String == "allow")
        #expect((items[0]["receipt"] as? [String: Any])?["status"] as? String == "success")

        // 2. Which transfers did rule eurd-max-transfer refuse?
        let refused = try await json(node, "/admin/v1/decisions?rule=eurd-max-transfer&outcome=deny")
        let decisions = try #require(refused["items"] as? [[String: Any]])
        #expect(decisions.count == 1)
        #expect(decisions.first?["actor"] as? String == fixture.alice.address.checksummed)
        #expect(decisions.first?["asset"] as? String == ChainFixture.eurd.checksummed)
        let byMember = try await json(node, "/admin/v1/decisions?member=bob&outcome=deny")
        #expect((byMember["items"] as? [Any])?.isEmpty == true)

        // 3. Which policy was in force at block N?
        let firstBlock = try #require(items[0]["blockNumber"] as? Int)
        let atBlock = try await json(node, "/admin/v1/policy?block=\(firstBlock)")
        let block = try await json(node, "/admin/v1/blocks/\(firstBlock)")
        #expect(atBlock["hash"] as? String == block["policyHash"] as? String)
        #expect((atBlock["rules"] as? [[String: Any]])?.contains { $0["id"] as? String == "eurd-max-transfer" } == true)
        #expect((atBlock["members"] as? [[String: Any]])?.count == 5)

        // 4. What are the supply and holder count of EURD?
        let token = try await json(node, "/admin/v1/tokens/\(ChainFixture.eurd.checksummed)")
        let supply = await node.chain.tokenState(ChainFixture.eurd)
        #expect(token["totalSupply"] as? String == supply.totalSupply.description)
        #expect(token["holderCount"] as? Int == Int(supply.holderCount))
        #expect(token["holderCount"] as? Int == 3)
    }

    @Test func policyInForceAtABlockFollowsAReload() async throws {
        let node = try await start(policy: try policy(maxTransfer: "1000"))
        defer { Task { await node.stop() } }
        try await send(node, fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 1, nonce: 0))
        try await settle(node)
        let before = await node.chain.head.header.number
        let stricter = try policy(maxTransfer: "10")
        try await node.chain.applyPolicy(stricter)
        try await send(node, fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 1, nonce: 1))
        try await settle(node)
        let after = await node.chain.head.header.number
        #expect(after > before)
        let old = try await json(node, "/admin/v1/policy?block=\(before)")
        let new = try await json(node, "/admin/v1/policy?block=\(after)")
        #expect(new["hash"] as? String == stricter.hash.hex)
        #expect(old["hash"] as? String != stricter.hash.hex)
        let history = try await json(node, "/admin/v1/policy/history")
        #expect((history["items"] as? [Any])?.count == 2)
        let byHash = try await json(node, "/admin/v1/policies/\(try #require(old["hash"] as? String))")
        #expect(byHash["fromBlock"] as? Int == 0)
    }

    @Test func everyAdminRouteRefusesAMemberWithoutAdminReadAndAdmitsBothAdminRoles() async throws {
        let node = try await start(policy: try policy())
        defer { Task { await node.stop() } }
        try await send(node, fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 1, nonce: 0))
        try await settle(node)
        let document = try #require(try await node.admin("/admin/v1/openapi.json", token: nil).json as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: Any])
        let transaction = try #require(await node.chain.transactions(blockNumber: 1).first)
        let values = [
            "{number}": "0", "{hash}": transaction.hash.hex, "{address}": fixture.alice.address.checksummed,
            "{holder}": fixture.alice.address.checksummed, "{asset}": "native",
        ]
        var checked = 0
        for path in paths.keys.sorted() where path.hasPrefix("/admin/v1/") && path != "/admin/v1/openapi.json" {
            var concrete = path
            for (placeholder, value) in values { concrete = concrete.replacingOccurrences(of: placeholder, with: value) }
            if concrete.hasPrefix("/admin/v1/tokens/") { concrete = "/admin/v1/tokens/\(ChainFixture.eurd.checksummed)" }
            if concrete.hasPrefix("/admin/v1/policies/") { concrete = "/admin/v1/policies/\(await node.chain.currentPolicy!.hash.hex)" }
            #expect(!concrete.contains("{"), "no test value for a parameter of \(path)")
            let forbidden = try await node.admin(concrete, token: Self.aliceKey)
            #expect(forbidden.status == 403, "alice (no admin_read) on \(concrete): \(forbidden.status)")
            #expect(String(decoding: forbidden.body, as: UTF8.self).contains("admin_read"))
            let anonymous = try await node.admin(concrete, token: nil)
            #expect(anonymous.status == 401, "no token on \(concrete): \(anonymous.status)")
            for key in [Self.auditorKey, Self.complianceKey] {
                let allowed = try await node.admin(concrete, token: key)
                let body = String(decoding: allowed.body, as: UTF8.self)
                // This node settles nothing, so a disclosure (of the latest executed batch, or of a transaction in
                // a batch never committed) is admitted and answered 404.
                let unsettled = ["no batch is executed", "not committed to the L1 yet", "not sealed yet"]
                let admitted =
                    allowed.status == 200
                    || (concrete.hasPrefix("/admin/v1/disclosures/") && allowed.status == 404 && unsettled.contains(where: body.contains))
                #expect(admitted, "\(key) on \(concrete): \(allowed.status) \(body)")
            }
            checked += 1
        }
        #expect(checked == AdminCatalog.routeCount)
    }

    @Test func everyMethodButGetIsRefusedWith405() async throws {
        let node = try await start(policy: try policy())
        defer { Task { await node.stop() } }
        for method in ["POST", "PUT", "DELETE", "PATCH"] {
            for path in ["/admin/v1/status", "/admin/v1/accounts", "/admin/v1/nothing-here"] {
                let result = try await node.admin(path, token: Self.auditorKey, method: method)
                #expect(result.status == 405, "\(method) \(path): \(result.status)")
            }
        }
        let chain = node.chain
        let supply = await chain.tokenState(ChainFixture.eurd)
        #expect(supply.totalSupply.description == "8000000000")
    }

    @Test func everyAdminReadIsAnAuditEntryWithWhoWhatAndHowMany() async throws {
        let node = try await start(policy: try policy())
        defer { Task { await node.stop() } }
        _ = try await json(node, "/admin/v1/accounts?limit=3")
        _ = try await node.admin("/admin/v1/status", token: Self.aliceKey)
        try await node.chain.produceBlock()
        let reads = try node.chain.auditEntries().filter { $0.kind == .adminRead }
        let allowed = try #require(reads.first { $0.detail.contains("/admin/v1/accounts?limit=3") })
        #expect(allowed.actor == "auditor")
        #expect(allowed.outcome == "allow")
        #expect(allowed.count == 3)
        let denied = try #require(reads.first { $0.detail.contains("/admin/v1/status") })
        #expect(denied.actor == "alice")
        #expect(denied.outcome == "deny")
    }

    @Test func listsPageWithStableCursorsAndRefuseBadParameters() async throws {
        let node = try await start(policy: try policy())
        defer { Task { await node.stop() } }
        for nonce in 0..<5 as Range<UInt64> {
            try await send(node, fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 1, nonce: nonce))
            try await node.chain.produceBlock()
        }
        var seen: [String] = []
        var cursor: String?
        repeat {
            let page = try await json(node, "/admin/v1/transactions?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""))
            seen += (page["items"] as? [[String: Any]] ?? []).compactMap { $0["hash"] as? String }
            cursor = page["nextCursor"] as? String
        } while cursor != nil
        #expect(seen.count == 5)
        #expect(Set(seen).count == 5)

        for bad in [
            "/admin/v1/transactions?limit=0", "/admin/v1/transactions?limit=abc", "/admin/v1/transactions?from_blok=1",
            "/admin/v1/blocks?cursor=x", "/admin/v1/audit?kind=nonsense", "/admin/v1/decisions?outcome=maybe",
            "/admin/v1/accounts/0x1234", "/admin/v1/exports/audit?format=xml",
        ] {
            let result = try await node.admin(bad, token: Self.auditorKey)
            #expect(result.status == 400, "\(bad): \(result.status)")
            #expect((result.json as? [String: Any])?["error"] is String)
        }
        for missing in ["/admin/v1/blocks/99999", "/admin/v1/transactions/0x" + String(repeating: "ab", count: 32),
            "/admin/v1/transactions?member=nobody"]
        {
            #expect(try await node.admin(missing, token: Self.auditorKey).status == 404, "\(missing)")
        }
    }

    @Test func exportsStreamJSONLinesAndCSVOverARange() async throws {
        let node = try await start(policy: try policy())
        defer { Task { await node.stop() } }
        for nonce in 0..<3 as Range<UInt64> {
            try await send(node, fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 1, nonce: nonce))
        }
        try await settle(node)
        let lines = try await node.admin("/admin/v1/exports/transactions?format=jsonl", token: Self.auditorKey)
        #expect(lines.status == 200)
        let records = String(decoding: lines.body, as: UTF8.self).split(separator: "\n")
        #expect(records.count == 3)
        for record in records {
            let object = try JSONSerialization.jsonObject(with: Data(record.utf8)) as? [String: Any]
            #expect(object?["member"] as? String == "bob")
        }
        let csv = try await node.admin("/admin/v1/exports/audit?format=csv&kind=genesis", token: Self.auditorKey)
        let rows = String(decoding: csv.body, as: UTF8.self).split(separator: "\r\n")
        #expect(rows.first?.hasPrefix("sequence,hash,previous,kind") == true)
        #expect(rows.count == 2)
        #expect(rows.last?.contains(",genesis,") == true)
    }

    @Test func metricsCountRequestsAdmissionsAndBlocks() async throws {
        let node = try await start(policy: try policy())
        defer { Task { await node.stop() } }
        try await send(node, fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 1, nonce: 0))
        await #expect(throws: AdmissionError.self) {
            try await node.chain.submit(raw: fixture.tokenTransfer(from: fixture.alice, to: fixture.carol.address, amount: 5_000_000_000, nonce: 0))
        }
        try await settle(node)
        _ = try await node.rpc("eth_blockNumber", [], token: Self.aliceKey)
        let metrics = try await node.admin("/metrics", token: nil)
        let text = String(decoding: metrics.body, as: UTF8.self)
        #expect(metrics.status == 200)
        #expect(text.contains("cloister_transactions_admitted_total 1"))
        #expect(text.contains(#"cloister_transactions_refused_total{reason="policy:eurd-max-transfer"} 1"#))
        #expect(text.contains("cloister_blocks_produced_total"))
        #expect(text.contains(#"cloister_api_requests_total{api="rpc",method="eth_blockNumber",outcome="ok"} 1"#))
        #expect(text.contains("cloister_api_request_seconds_bucket"))
        #expect(text.contains("cloister_mempool_transactions"))
        // The accepted transaction's answer waited for the mempool and for its journal write.
        #expect(text.contains("cloister_admission_mempool_wait_seconds_count 1"))
        #expect(text.contains("cloister_admission_journal_wait_seconds_count 1"))
    }

    @Test func aTransactionRefusedBeforeDecodingIsAuditedAndCounted() async throws {
        let node = try await start(policy: try policy())
        defer { Task { await node.stop() } }
        let answer = try await node.rpc("eth_sendRawTransaction", ["0x02c0ffee"], token: Self.aliceKey)
        #expect((answer["error"] as? [String: Any])?["code"] as? Int == -32000)
        try await node.chain.produceBlock()
        let refusals = try node.chain.auditEntries().filter { $0.kind == .admissionRefused }
        #expect(refusals.count == 1)
        #expect(refusals.first?.outcome == "refused")
        let text = String(decoding: try await node.admin("/metrics", token: nil).body, as: UTF8.self)
        #expect(text.contains(#"cloister_transactions_refused_total{reason="invalid-transaction"} 1"#))
    }
}
