import ConfigFiles
import Foundation
import Ledger
import Policy
import Primitives
import Testing
import TestSupport

/// Addresses, tokens and a base policy shared by the policy tests.
enum Fixture {
    static func address(_ hex: String) -> Address { try! Address(hex: hex) }

    static let eurd = address("0xe0d0000000000000000000000000000000000001")
    static let gbpd = address("0x6bd0000000000000000000000000000000000002")
    static let tokens = [
        TokenDefinition(address: eurd, symbol: "EURD", name: "Digital Euro Deposit", decimals: 6),
        TokenDefinition(address: gbpd, symbol: "GBPD", name: "Digital Sterling Deposit", decimals: 2),
    ]

    static let alice = address("0xa1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1")
    static let bob = address("0xb2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2")
    static let carol = address("0xc3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3")
    static let dave = address("0xd4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4")
    static let issuer = address("0xe5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5")
    static let auditor = address("0xa0d1a0d1a0d1a0d1a0d1a0d1a0d1a0d1a0d1a0d1")
    static let sam = address("0x5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a")
    static let lou = address("0x1010101010101010101010101010101010101010")
    static let shelly = address("0x5e115e115e115e115e115e115e115e115e115e11")
    static let outsider = address("0x0707070707070707070707070707070707070707")
    static let dead = address("0x000000000000000000000000000000000000dead")

    /// 2025-06-15T00:00:00Z: the block time of most tests.
    static let now: UInt64 = 1_749_945_600

    /// EURD has 6 decimals.
    static func eurdUnits(_ whole: UInt64) -> UInt256 { UInt256(whole * 1_000_000) }
    /// GBPD has 2 decimals.
    static func gbpdUnits(_ whole: UInt64) -> UInt256 { UInt256(whole * 100) }

    /// Organisations, members and roles of the rule tests; compliance rules come per test.
    ///
    /// alice DE tier 2 travel data; bob DE tier 1 no travel data; carol GB tier 2 travel data;
    /// dave US tier 3; sam suspended; lou locked up until 2030; shelly in a sanctioned organisation.
    static let members = """
        [[organisation]]
        id = "bank-a"
        name = "Bank A"

        [[organisation]]
        id = "bank-b"
        name = "Bank B"

        [[organisation]]
        id = "shell-co"
        name = "Shell Co"

        [[member]]
        name = "alice"
        address = "\(alice.hex)"
        organisation = "bank-a"
        roles = ["trader"]
        kyc_tier = 2
        jurisdiction = "DE"
        travel_rule_data_on_file = true

        [[member]]
        name = "bob"
        address = "\(bob.hex)"
        organisation = "bank-a"
        roles = ["trader"]
        kyc_tier = 1
        jurisdiction = "DE"

        [[member]]
        name = "carol"
        address = "\(carol.hex)"
        organisation = "bank-b"
        roles = ["trader"]
        kyc_tier = 2
        jurisdiction = "GB"
        travel_rule_data_on_file = true

        [[member]]
        name = "dave"
        address = "\(dave.hex)"
        organisation = "bank-b"
        roles = ["trader"]
        kyc_tier = 3
        jurisdiction = "US"
        travel_rule_data_on_file = true

        [[member]]
        name = "issuer"
        address = "\(issuer.hex)"
        organisation = "bank-a"
        roles = ["issuer", "agent"]
        kyc_tier = 3
        jurisdiction = "DE"
        travel_rule_data_on_file = true

        [[member]]
        name = "auditor"
        address = "\(auditor.hex)"
        organisation = "bank-b"
        roles = ["auditor"]
        kyc_tier = 1
        jurisdiction = "NL"

        [[member]]
        name = "sam"
        address = "\(sam.hex)"
        organisation = "bank-a"
        roles = ["trader"]
        kyc_tier = 2
        jurisdiction = "DE"
        status = "suspended"

        [[member]]
        name = "lou"
        address = "\(lou.hex)"
        organisation = "bank-a"
        roles = ["trader"]
        kyc_tier = 2
        jurisdiction = "DE"
        locked_until = 2030-01-01T00:00:00Z

        [[member]]
        name = "shelly"
        address = "\(shelly.hex)"
        organisation = "shell-co"
        roles = ["trader"]
        kyc_tier = 2
        jurisdiction = "DE"
        """

    static let roles = """
        [role.trader]
        grants = [{ asset = "*", ops = ["transfer", "read"] }]

        [role.issuer]
        grants = [{ asset = "EURD", ops = ["mint", "burn", "transfer", "read"] }, { asset = "GBPD", ops = ["mint", "burn", "transfer"] }]

        [role.agent]
        grants = [{ asset = "EURD", ops = ["freeze", "forced_transfer", "pause"] }]

        [role.auditor]
        system = ["read_all", "admin_read"]
        grants = [{ asset = "EURD", ops = ["read"] }]
        """

    static let sanctions = """
        addresses = ["\(dead.hex)"]
        organisations = ["shell-co"]
        """

    static let sanctionsReference = """
        [sanctions]
        list = "sanctions.list.toml"
        """

    /// The base files plus `compliance.toml` holding `rules`.
    static func files(rules: String = "") -> [String: String] {
        [
            "members.toml": members, "roles.toml": roles, "compliance.toml": sanctionsReference + "\n\n" + rules,
            "sanctions.list.toml": sanctions,
        ]
    }

    /// Writes files into a new temporary directory and returns its path.
    static func directory(_ files: [String: String]) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("policy-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, text) in files {
            try text.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return url.path
    }

    static func load(_ files: [String: String]) throws -> CompiledPolicy {
        let path = try directory(files)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try PolicyLoader.load(directory: path, tokens: tokens)
    }

    /// The problems a set of files is refused with (fails the test if it loads).
    static func problems(_ files: [String: String]) throws -> [ConfigError] {
        let path = try directory(files)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try PolicyLoader.load(directory: path, tokens: tokens)
            Issue.record("the policy loaded, but it should have been refused")
            return []
        } catch {
            return error.problems
        }
    }

    static func engine(rules: String = "") throws -> PolicyEngine {
        PolicyEngine(policy: try load(files(rules: rules)))
    }

    /// The repository's root, found from this file.
    static var repositoryRoot: URL { SharedVectors.repositoryRoot }

    /// The devnet tokens, read from Config/cloister.toml the way the node reads them.
    static func devnetTokens() throws -> [TokenDefinition] {
        let path = repositoryRoot.appendingPathComponent("Config/cloister.toml").path
        let root = TableReader(try ConfigDocument.load(path: path), file: path)
        return try root.tables("tokens").map { table throws(ConfigError) in
            TokenDefinition(
                address: try table.address("address"), symbol: try table.string("symbol"),
                name: try table.string("name"),
                decimals: UInt8(try table.integer("decimals", in: 0...36)),
                issuers: Set(try table.addressArray("issuers")),
                agents: Set(try table.addressArray("agents")), supplyCap: try table.optionalAmount("supply_cap"))
        }
    }
}

/// A ledger as the evaluator sees it, set up per test.
struct TestLedger: PolicyLedgerView {
    var balances: [Address: [Address: UInt256]] = [:]
    var holders: [Address: UInt64] = [:]
    var supplies: [Address: UInt256] = [:]

    func balance(token: Address, holder: Address) -> UInt256 { balances[token]?[holder] ?? .zero }
    func holderCount(token: Address) -> UInt64 { holders[token] ?? 0 }
    func totalSupply(token: Address) -> UInt256 { supplies[token] ?? .zero }

    /// Sets a balance and keeps the holder count and supply consistent with it.
    mutating func set(_ token: Address, _ holder: Address, _ amount: UInt256) {
        let old = balance(token: token, holder: holder)
        if old.isZero && !amount.isZero { holders[token, default: 0] += 1 }
        if !old.isZero && amount.isZero { holders[token, default: 0] -= 1 }
        supplies[token] = totalSupply(token: token) - old + amount
        balances[token, default: [:]][holder] = amount
    }
}

extension PolicyEngine {
    /// Evaluates at `Fixture.now` unless told otherwise.
    func decide(
        _ operation: Ledger.Operation, by sender: Address, at timestamp: UInt64 = Fixture.now,
        ledger: TestLedger = TestLedger(),
        windows: TransferWindows = TransferWindows()
    ) -> PolicyDecision {
        evaluate(operation, sender: sender, timestamp: timestamp, ledger: ledger, windows: windows)
    }
}

/// Expects a denial by `ruleID` whose message contains every fragment.
func expectDenied(
    _ decision: PolicyDecision, _ ruleID: String, _ fragments: String...,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        decision.outcome == .deny, "expected a denial by \(ruleID), got \(decision)", sourceLocation: sourceLocation)
    #expect(decision.ruleID == ruleID, "message: \(decision.message)", sourceLocation: sourceLocation)
    for fragment in fragments {
        #expect(
            decision.message.contains(fragment), "'\(decision.message)' lacks '\(fragment)'",
            sourceLocation: sourceLocation)
    }
    #expect(!decision.inputs.isEmpty, "a denial carries its inputs", sourceLocation: sourceLocation)
}

func expectAllowed(
    _ decision: PolicyDecision, ruleID: String = "allow", sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(decision.isAllowed, "denied by \(decision.ruleID): \(decision.message)", sourceLocation: sourceLocation)
    #expect(decision.ruleID == ruleID, sourceLocation: sourceLocation)
}

/// What a case of a parameterised test expects of its decision.
enum Expected: Sendable {
    /// Allowed, naming no rule.
    case allowed
    /// Allowed, naming the rule that applied and was met (so that the audit log records it).
    case allowedBy(String)
    /// Denied by the rule.
    case deniedBy(String)
    /// Denied by the rule, its message containing the fragment.
    case denied(String, String)
}

func expectDecision(
    _ decision: PolicyDecision, _ expected: Expected, sourceLocation: SourceLocation = #_sourceLocation
) {
    switch expected {
    case .allowed: expectAllowed(decision, sourceLocation: sourceLocation)
    case .allowedBy(let ruleID): expectAllowed(decision, ruleID: ruleID, sourceLocation: sourceLocation)
    case .deniedBy(let ruleID): expectDenied(decision, ruleID, sourceLocation: sourceLocation)
    case .denied(let ruleID, let fragment): expectDenied(decision, ruleID, fragment, sourceLocation: sourceLocation)
    }
}
