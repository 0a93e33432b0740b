import ConfigFiles
import Ledger
import Policy
import Primitives
import Testing

/// The devnet's `Policies/`: it loads with the devnet's tokens, admits normal traffic, and
/// shows every rule kind.
@Suite struct DevnetPolicyTests {
    static var policiesPath: String { Fixture.repositoryRoot.appendingPathComponent("Policies").path }

    static func load() throws -> CompiledPolicy {
        try PolicyLoader.load(directory: policiesPath, tokens: Fixture.devnetTokens())
    }

    static func account(_ name: String) throws -> (address: Address, organisation: String) {
        let path = Fixture.repositoryRoot.appendingPathComponent("Config/cloister.toml").path
        let root = TableReader(try ConfigDocument.load(path: path), file: path)
        for table in try root.tables("accounts") where try table.string("name") == name {
            return (try table.address("address"), try table.string("organisation"))
        }
        throw ConfigError(file: path, key: nil, problem: "no account \(name)")
    }

    @Test func loadsWithTheDevnetTokens() throws {
        let policy = try Self.load()
        #expect(
            policy.files.map { $0.split(separator: "/").last! } == [
                "compliance.toml", "members.toml", "roles.toml", "sanctions.toml",
            ])
        #expect(policy.summary.contains("Policy hash: \(policy.hash)"))
    }

    @Test func aliceMayPayCarolEURD() throws {
        let policy = try Self.load()
        let engine = PolicyEngine(policy: policy)
        let ledger = try NodeLikeGenesis.ledger()
        let alice = try Self.account("alice").address
        let carol = try Self.account("carol").address
        let eurd = try #require(Fixture.devnetTokens().first { $0.symbol == "EURD" }).address
        let now: UInt64 = 1_767_225_600  // 2026-01-01
        let decision = engine.evaluate(
            .transfer(token: eurd, to: carol, amount: 250_000_000), sender: alice, timestamp: now, ledger: ledger,
            windows: TransferWindows())
        #expect(decision == .allow, "\(decision)")
        // And every trader pair, both tokens, in amounts a demo uses (above the travel-rule threshold too).
        let gbpd = try #require(Fixture.devnetTokens().first { $0.symbol == "GBPD" }).address
        let names = ["alice", "bob", "carol"]
        for from in names {
            for to in names where to != from {
                for (token, amount) in [(eurd, UInt256(2_000_000_000)), (gbpd, UInt256(150_000))] {
                    let result = engine.evaluate(
                        .transfer(token: token, to: try Self.account(to).address, amount: amount),
                        sender: try Self.account(from).address, timestamp: now, ledger: ledger,
                        windows: TransferWindows())
                    #expect(result.isAllowed, "\(from) → \(to): \(result.message)")
                }
            }
        }
    }

    @Test func membersMatchTheConfiguredAccounts() throws {
        let policy = try Self.load()
        for name in ["alice", "bob", "carol", "issuer", "auditor"] {
            let account = try Self.account(name)
            let member = try #require(policy.member(account.address), "\(name) is not a member")
            #expect(member.name == name && member.organisation == account.organisation)
        }
        let issuer = try Self.account("issuer").address
        #expect(policy.member(issuer)?.roles == ["agent", "issuer"])
        let auditor = try Self.account("auditor").address
        #expect(policy.hasSystemPermission(auditor, .readAll) && policy.hasSystemPermission(auditor, .adminRead))
        #expect(policy.isSanctioned(Fixture.dead) && policy.member(Fixture.dead) == nil)
    }

    @Test func everyRuleKindAppears() throws {
        let text = try String(contentsOfFile: Self.policiesPath + "/compliance.toml", encoding: .utf8)
        for kind in [
            "lockup", "kyc_minimum", "jurisdiction", "transfer_amount", "travel_rule", "transfer_limit", "max_balance",
            "max_holders", "supply_cap",
        ] {
            #expect(text.contains("kind = \"\(kind)\""), "the devnet policy lacks a \(kind) rule")
        }
        let members = try String(contentsOfFile: Self.policiesPath + "/members.toml", encoding: .utf8)
        #expect(members.contains("locked_until = "))
    }
}

/// The devnet genesis ledger, built the way `NodeConfig.genesisState()` builds it (the policy
/// tests do not depend on the node).
enum NodeLikeGenesis {
    static func ledger() throws -> LedgerState {
        let path = Fixture.repositoryRoot.appendingPathComponent("Config/cloister.toml").path
        let root = TableReader(try ConfigDocument.load(path: path), file: path)
        let tokens = try Fixture.devnetTokens()
        var native: [Address: UInt256] = [:]
        var balances: [Address: [Address: UInt256]] = [:]
        for table in try root.tables("accounts") {
            let address = try table.address("address")
            native[address] = try table.optionalAmount("native") ?? .zero
            if let tokenTable = try table.optionalTable("tokens") {
                for symbol in tokenTable.freeformKeys() {
                    let token = tokens.first { $0.symbol == symbol }!.address
                    balances[token, default: [:]][address] = try tokenTable.amount(symbol)
                }
            }
        }
        return try LedgerState.genesis(tokens: tokens, nativeBalances: native, tokenBalances: balances)
    }
}
