import Foundation
import Ledger
import Logging
import Node
import NodeTestSupport
import Policy
import Primitives
import Testing
import Sequencer

/// Policy in the node: refused at admission (nothing queued), decided again at execution
/// (a failed receipt naming the rule), audited, and reloaded between blocks.
@Suite struct PolicyEnforcementTests {
    /// Writes a policy for the fixture's members into a fresh folder; `carol` is extra lines of
    /// carol's member entry.
    static func writePolicy(
        _ fixture: ChainFixture, into directory: String, compliance: String = "", carol: String = "",
        sanctioned: [Address] = [], aliceRoles: [String] = ["trader"]
    ) throws {
        let members = PolicyFiles.members(
            [.bankA, .bankB],
            [
                .init("alice", address: fixture.alice.address, roles: aliceRoles, travelRuleDataOnFile: true),
                .init("bob", address: fixture.bob.address),
                .init("carol", address: fixture.carol.address, organisation: "bank-b", kycTier: 1, jurisdiction: "FR", extra: carol),
                .init("issuer", address: fixture.issuer.address, roles: ["issuer"], kycTier: 3),
            ])
        let roles = """
            [role.trader]
            grants = [{ asset = "EURD", ops = ["transfer", "read"] }, { asset = "native", ops = ["transfer", "read"] }]
            [role.issuer]
            grants = [{ asset = "EURD", ops = ["mint", "burn", "transfer", "read"] }]
            [role.viewer]
            grants = [{ asset = "EURD", ops = ["read"] }]
            """
        let sanctions = "addresses = [\(sanctioned.map { "\"\($0.checksummed)\"" }.joined(separator: ", "))]\n"
        try PolicyFiles.write(
            [
                "members.toml": members, "roles.toml": roles,
                "compliance.toml": "[sanctions]\nlist = \"sanctions.list.toml\"\n" + compliance,
                "sanctions.list.toml": sanctions,
            ], into: directory)
    }

    static func load(_ directory: String, _ fixture: ChainFixture) throws -> CompiledPolicy {
        try PolicyLoader.load(directory: directory, tokens: fixture.config.tokens)
    }

    func openChain(_ fixture: ChainFixture, policy: CompiledPolicy) async throws -> Chain {
        try await Chain.open(config: fixture.config, store: try fixture.openStore(), logger: Logger(label: "test"), policy: policy)
    }

    /// One refusing variant per rule kind, each refusing alice → carol 2 EURD (or, for the
    /// supply cap, the issuer minting 2 EURD).
    static let cases: [(rule: String, compliance: String, carol: String, sanctionCarol: Bool, mint: Bool)] = [
        ("eurd-size", "[[rule]]\nid = \"eurd-size\"\nkind = \"transfer_amount\"\nasset = \"EURD\"\nmax = \"1.00\"\n", "", false, false),
        ("eurd-daily", "[[rule]]\nid = \"eurd-daily\"\nkind = \"transfer_limit\"\nasset = \"EURD\"\nwindows = [{ period = \"24h\", max = \"1.00\" }]\n", "", false, false),
        ("eurd-max", "[[rule]]\nid = \"eurd-max\"\nkind = \"max_balance\"\nasset = \"EURD\"\nmax = \"1.00\"\n", "", false, false),
        ("eurd-holders", "[[rule]]\nid = \"eurd-holders\"\nkind = \"max_holders\"\nasset = \"EURD\"\nmax = 2\n", "", false, false),
        ("kyc-receive", "[[rule]]\nid = \"kyc-receive\"\nkind = \"kyc_minimum\"\nasset = \"EURD\"\nreceive = 2\n", "", false, false),
        ("no-fr", "[[rule]]\nid = \"no-fr\"\nkind = \"jurisdiction\"\nrecipient_deny = [\"FR\"]\n", "", false, false),
        ("eurd-lockup", "[[rule]]\nid = \"eurd-lockup\"\nkind = \"lockup\"\nasset = \"EURD\"\nuntil = 2999-01-01T00:00:00Z\n", "", false, false),
        ("travel", "[[rule]]\nid = \"travel\"\nkind = \"travel_rule\"\nthreshold = \"1\"\n", "travel_rule_data_on_file = false", false, false),
        ("sanctions", "", "", true, false),
        ("grant", "", "", false, false),
        ("eurd-cap", "[[rule]]\nid = \"eurd-cap\"\nkind = \"supply_cap\"\nasset = \"EURD\"\nmax = \"8001.00\"\n", "", false, true),
    ]

    func operation(_ fixture: ChainFixture, mint: Bool, nonce: UInt64) -> [UInt8] {
        guard mint else { return fixture.tokenTransfer(from: fixture.alice, to: fixture.carol.address, amount: 2_000_000, nonce: nonce) }
        let data = [0x40, 0xc1, 0x0f, 0x19] + [UInt8](repeating: 0, count: 12) + fixture.issuer.address.bytes + UInt256(2_000_000).bigEndianBytes
        return fixture.tokenCall(from: fixture.issuer, data: data, nonce: nonce)
    }

    /// Rules whose outcome depends on other members' holdings: admission cannot decide them
    /// without becoming an oracle on those holdings (docs/PRIVACY.md), so they decide at execution.
    static let decidedAtExecutionOnly: Set<String> = ["eurd-holders"]

    /// Each rule kind that reads only the sender's own data refuses at admission with its rule
    /// id, and nothing is queued.
    @Test(arguments: (0..<cases.count).filter { !decidedAtExecutionOnly.contains(cases[$0].rule) })
    func ruleRefusesAtAdmission(_ index: Int) async throws {
        let rule = Self.cases[index]
        let fixture = try ChainFixture()
        let directory = fixture.directory + "/policy"
        try Self.writePolicy(
            fixture, into: directory, compliance: rule.compliance, carol: rule.rule == "grant" ? "" : rule.carol,
            sanctioned: rule.sanctionCarol ? [fixture.carol.address] : [],
            aliceRoles: rule.rule == "grant" ? ["viewer"] : ["trader"])
        let chain = try await openChain(fixture, policy: try Self.load(directory, fixture))
        let raw = operation(fixture, mint: rule.mint, nonce: 0)
        do {
            _ = try await chain.submit(raw: raw)
            Issue.record("\(rule.rule): admitted")
        } catch .policyRefused(let id, let message) {
            #expect(id == rule.rule, "\(message)")
            #expect(!message.isEmpty)
        } catch {
            Issue.record("\(rule.rule): refused for another reason: \(error)")
        }
        #expect(await chain.pendingCount == 0)
        try await chain.produceBlock()
        #expect(try chain.auditEntries().contains { $0.kind == .policyDecision && $0.rule == rule.rule && $0.outcome == "deny" })
    }

    /// A holder limit reads how many others hold the asset: admission lets the transfer in
    /// (the sender learns nothing of the holder count), execution refuses it with a failed
    /// receipt naming the rule, the nonce consumed, and the refusal audited.
    @Test func holderLimitIsDecidedAtExecutionNotAdmission() async throws {
        let rule = try #require(Self.cases.first { $0.rule == "eurd-holders" })
        let fixture = try ChainFixture()
        let directory = fixture.directory + "/policy"
        try Self.writePolicy(fixture, into: directory, compliance: rule.compliance)
        let chain = try await openChain(fixture, policy: try Self.load(directory, fixture))
        let hash = try await chain.submit(raw: operation(fixture, mint: false, nonce: 0))
        #expect(await chain.pendingCount == 1)
        try await chain.produceBlock()
        let included = try #require(try chain.transaction(hash: hash))
        #expect(!included.receipt.succeeded)
        #expect(included.receipt.revertReason?.hasPrefix("policy rule eurd-holders:") == true)
        #expect(await chain.account(fixture.alice.address).nonce == 1)
        #expect(try chain.auditEntries().contains { $0.kind == .policyDecision && $0.rule == "eurd-holders" && $0.outcome == "deny" })
    }

    /// Each rule kind is decided again at execution: a transaction admitted under a permissive
    /// policy, then executed after a stricter one took effect, gets a failed receipt naming the rule.
    @Test(arguments: 0..<cases.count)
    func ruleRefusesAtExecution(_ index: Int) async throws {
        let rule = Self.cases[index]
        let fixture = try ChainFixture()
        let permissive = fixture.directory + "/permissive"
        try Self.writePolicy(fixture, into: permissive)
        let chain = try await openChain(fixture, policy: try Self.load(permissive, fixture))
        let hash = try await chain.submit(raw: operation(fixture, mint: rule.mint, nonce: 0))

        let strict = fixture.directory + "/strict"
        try Self.writePolicy(
            fixture, into: strict, compliance: rule.compliance, carol: rule.carol,
            sanctioned: rule.sanctionCarol ? [fixture.carol.address] : [],
            aliceRoles: rule.rule == "grant" ? ["viewer"] : ["trader"])
        try await chain.applyPolicy(try Self.load(strict, fixture))
        let block = try #require(try await chain.produceBlock())
        let included = try #require(try chain.transaction(hash: hash))
        #expect(!included.receipt.succeeded)
        #expect(included.receipt.revertReason?.hasPrefix("policy rule \(rule.rule):") == true, "\(included.receipt.revertReason ?? "")")
        #expect(block.header.extraData == (try Self.load(strict, fixture)).hash.bytes)
        #expect(await chain.account(rule.mint ? fixture.issuer.address : fixture.alice.address).nonce == 1)
        #expect(await chain.holding(token: ChainFixture.eurd, holder: fixture.carol.address).balance == 0)
    }

    /// Two transfers admitted together, each within the daily limit alone but not together:
    /// exactly one executes, the other gets a failed receipt naming the rule.
    @Test func concurrentTransfersCannotBothPassAWindowLimit() async throws {
        let fixture = try ChainFixture()
        let directory = fixture.directory + "/policy"
        try Self.writePolicy(
            fixture, into: directory,
            compliance: "[[rule]]\nid = \"eurd-daily\"\nkind = \"transfer_limit\"\nasset = \"EURD\"\nwindows = [{ period = \"24h\", max = \"100.00\" }]\n")
        let chain = try await openChain(fixture, policy: try Self.load(directory, fixture))
        let first = try await chain.submit(raw: fixture.tokenTransfer(from: fixture.alice, to: fixture.bob.address, amount: 60_000_000, nonce: 0))
        let second = try await chain.submit(raw: fixture.tokenTransfer(from: fixture.alice, to: fixture.carol.address, amount: 60_000_000, nonce: 1))
        try await chain.produceBlock()
        let receipts = try [first, second].map { try #require(try chain.transaction(hash: $0)).receipt }
        #expect(receipts.filter(\.succeeded).count == 1)
        let failed = try #require(receipts.first { !$0.succeeded })
        #expect(failed.revertReason?.hasPrefix("policy rule eurd-daily:") == true)
        #expect(await chain.holding(token: ChainFixture.eurd, holder: fixture.alice.address).balance == 5_000_000_000 - 60_000_000)

        // Window usage survives a restart: a third transfer that would exceed the limit is refused.
        let restarted = try await openChain(fixture, policy: try Self.load(directory, fixture))
        await #expect(throws: AdmissionError.self) {
            try await restarted.submit(raw: fixture.tokenTransfer(from: fixture.alice, to: fixture.bob.address, amount: 50_000_000, nonce: 2))
        }
    }

    /// A valid change takes effect at the next block with its hash recorded; an invalid change
    /// is refused and the old policy keeps working; a sanctions update blocks the next transfer.
    @Test func reloadAppliesValidPolicyRefusesInvalidAndUpdatesSanctions() async throws {
        let fixture = try ChainFixture()
        let directory = fixture.directory + "/policy"
        try Self.writePolicy(fixture, into: directory)
        let original = try Self.load(directory, fixture)
        let chain = try await openChain(fixture, policy: original)
        let service = PolicyReloadService(chain: chain, directory: directory, logger: Logger(label: "test"))

        // Invalid change: refused, the old policy stays and still allows transfers.
        try "[[rule]]\nid = \"broken\"\nkind = \"no_such_kind\"\n".write(toFile: directory + "/extra.toml", atomically: true, encoding: .utf8)
        await service.reload()
        #expect(chain.currentPolicy?.hash == original.hash)
        _ = try await chain.submit(raw: fixture.tokenTransfer(from: fixture.alice, to: fixture.carol.address, amount: 1, nonce: 0))
        let first = try #require(try await chain.produceBlock())
        #expect(first.header.extraData == original.hash.bytes)
        try FileManager.default.removeItem(atPath: directory + "/extra.toml")

        // Sanctions update: carol newly listed; the next transfer to her is refused.
        try "addresses = [\"\(fixture.carol.address.checksummed)\"]\n".write(
            toFile: directory + "/sanctions.list.toml", atomically: true, encoding: .utf8)
        await service.reload()
        let updated = try #require(chain.currentPolicy)
        #expect(updated.hash != original.hash)
        do {
            _ = try await chain.submit(raw: fixture.tokenTransfer(from: fixture.alice, to: fixture.carol.address, amount: 1, nonce: 1))
            Issue.record("transfer to a newly sanctioned address was admitted")
        } catch .policyRefused(let rule, _) {
            #expect(rule == "sanctions")
        } catch {
            Issue.record("unexpected \(error)")
        }
        _ = try await chain.submit(raw: fixture.tokenTransfer(from: fixture.alice, to: fixture.bob.address, amount: 1, nonce: 1))
        let next = try #require(try await chain.produceBlock())
        #expect(next.header.extraData == updated.hash.bytes)
        let audit = try chain.auditEntries()
        #expect(audit.contains { $0.kind == .policyRejected })
        #expect(audit.contains { $0.kind == .policyLoaded && $0.detail.contains(updated.hash.hex) })
    }
}

