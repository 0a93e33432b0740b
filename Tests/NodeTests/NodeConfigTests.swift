import ConfigFiles
import Foundation
import Node
import Primitives
import TestSupport
import Testing
import NodeConfiguration

@Suite struct NodeConfigTests {
    static let devnetPath = SharedVectors.repositoryRoot.appendingPathComponent("Config/cloister.toml").path

    @Test func devnetConfigLoadsWithMembersTokensAndBalances() throws {
        let config = try NodeConfig.load(path: Self.devnetPath)
        #expect(config.tokens.count >= 2)
        let organisations = Set(config.accounts.map(\.organisation))
        #expect(organisations.count >= 2)
        let members = config.accounts.filter { $0.name != "auditor" && $0.name != "issuer" }
        #expect(members.count >= 3)
        for member in members {
            #expect(!member.nativeBalance.isZero, "\(member.name) needs native currency")
            #expect(!member.tokenBalances.isEmpty, "\(member.name) needs token balances")
        }
        #expect(config.accounts.contains { $0.name == "auditor" })
        #expect(config.tokens.contains { !$0.issuers.isEmpty && !$0.agents.isEmpty })
        // Relative paths resolve against the config's folder.
        #expect(config.dataDirectory.hasSuffix("Config/../.data/devnet"))
        _ = try config.genesisState()
    }

    @Test func devnetKeyFilesMatchConfiguredAddresses() throws {
        let config = try NodeConfig.load(path: Self.devnetPath)
        for account in config.accounts {
            let keyFile = try #require(account.keyFile, "\(account.name) has no key file")
            #expect(try KeyFile.read(at: keyFile).address == account.address, "\(account.name)")
        }
    }

    static let valid = try! String(contentsOfFile: devnetPath, encoding: .utf8)

    /// Each broken config names its file and key: (text to replace, replacement, key, problem).
    @Test(arguments: [
        ("block_interval_ms = 250", "", "chain.block_interval_ms", "missing"),
        ("chain_id = 271828", "chain_id = -3", "chain.chain_id", "between"),
        ("block_interval_ms = 250", "block_interval_ms = \"fast\"", "chain.block_interval_ms", "expected an integer"),
        ("max_blocks = 40", "max_blocks = 0", "batch.max_blocks", "between"),
        ("max_operations = 4096", "max_operations = 2", "batch.max_operations", "between 4 and 16384"),
        ("max_operations = 4096", "max_operations = 65536", "batch.max_operations", "between 4 and 16384"),
        ("max_proof_rows = 262144", "max_proof_rows = 1000", "batch.max_proof_rows", "between 65536 and 16777216"),
        ("max_proof_rows = 262144", "max_proof_rows = \"big\"", "batch.max_proof_rows", "expected an integer"),
        ("prover_background = true", "prover_background = 1", "settlement.prover_background", "true or false"),
        ("listen = \"127.0.0.1:8545\"", "listen = \"localhost\"", "api.listen", "host:port"),
        ("decimals = 6", "decimals = 99", "tokens[0].decimals", "between"),
        ("symbol = \"GBPD\"", "symbol = \"EURD\"", "tokens[1].symbol", "used by another token"),
        ("tokens = { EURD = \"5000000000\", GBPD = \"250000\" }", "tokens = { XYZ = \"1\" }", "accounts[0].tokens.XYZ", "no token"),
        (
            "address = \"0xb3E774e635Be510E4Af843F15dCDeaf7C5Be40bB\"", "address = \"0xB3E774e635Be510E4Af843F15dCDeaf7C5Be40bB\"",
            "accounts[0].address", "checksum"
        ),
        ("gas_price = 0", "gas_pricee = 0", "chain.gas_pricee", "not a known setting"),
        ("[batch]", "[batches]", "batch", "missing"),
        ("native = \"1000000000000000000000\"     # 1,000", "native = -5 #", "accounts[0].native", "negative"),
        ("[storage]", "[storage]\nfold_interval_blocks = 0", "storage.fold_interval_blocks", "between 1 and 1000000"),
        ("[storage]", "[storage]\nindex_run_size = 0", "storage.index_run_size", "between 1 and 16777216"),
        ("[storage]", "[storage]\nindex_run_size = \"small\"", "storage.index_run_size", "expected an integer"),
    ])
    func brokenConfigNamesFileAndKey(_ mutation: (String, String, String, String)) throws {
        let (original, replacement, key, problem) = mutation
        guard let range = Self.valid.range(of: original) else {
            Issue.record("devnet config no longer contains \(original)")
            return
        }
        let text = Self.valid.replacingCharacters(in: range, with: replacement)
        do {
            _ = try NodeConfig.parse(try ConfigDocument.parse(text, file: "Config/cloister.toml"), file: "Config/cloister.toml")
            Issue.record("accepted a config with a broken \(key)")
        } catch {
            #expect(error.file == "Config/cloister.toml")
            #expect(error.key == key, "\(error)")
            #expect(error.description.contains(problem), "\(error)")
        }
    }

    /// The console's session lengths default to 30 minutes idle and 8 hours in all; an idle time
    /// longer than the session is refused naming the key.
    @Test func consoleSettingsDefaultAndRefuseAnIdleTimeLongerThanTheSession() throws {
        func parse(_ admin: String) throws(ConfigError) -> NodeConfig {
            let text = Self.valid.replacingOccurrences(of: "[admin]\n", with: "[admin]\n" + admin + "\n")
            return try NodeConfig.parse(try ConfigDocument.parse(text, file: "c.toml"), file: "c.toml")
        }
        let defaults = try parse("")
        #expect(defaults.console == ConsoleSettings())
        #expect(defaults.console.enabled && defaults.console.idleMinutes == 30 && defaults.console.sessionHours == 8)
        #expect(!defaults.console.secureCookie)
        let set = try parse("console_idle_minutes = 5\nconsole_session_hours = 1\nconsole_secure_cookie = true\nconsole = false")
        #expect(set.console.idleMinutes == 5 && set.console.sessionHours == 1 && set.console.secureCookie && !set.console.enabled)
        do {
            _ = try parse("console_idle_minutes = 120\nconsole_session_hours = 1")
            Issue.record("an idle time longer than the session was accepted")
        } catch {
            #expect(error.description.contains("admin.console_idle_minutes"), "\(error)")
        }
    }

    /// The store's fold interval and index run size are the production defaults unless set.
    @Test func storeThresholdsDefaultUnlessSet() throws {
        let defaults = try NodeConfig.parse(try ConfigDocument.parse(Self.valid, file: "c.toml"), file: "c.toml")
        #expect(defaults.storeThresholds == NodeConfig.StoreThresholds(foldIntervalBlocks: 256, indexRunSize: 65_536))
        let text = Self.valid.replacingOccurrences(of: "[storage]", with: "[storage]\nfold_interval_blocks = 3\nindex_run_size = 7")
        let small = try NodeConfig.parse(try ConfigDocument.parse(text, file: "c.toml"), file: "c.toml")
        #expect(small.storeThresholds == NodeConfig.StoreThresholds(foldIntervalBlocks: 3, indexRunSize: 7))
    }

    /// `batch.max_operations` bounds what a prover must hold; a node that proves nothing closes
    /// batches by blocks and time only, unless the operator bounds them anyway.
    @Test func batchOperationBoundAppliesToProvenBatchesOnly() throws {
        func parse(_ text: String) throws(ConfigError) -> NodeConfig {
            try NodeConfig.parse(try ConfigDocument.parse(text, file: "c.toml"), file: "c.toml")
        }
        let unproven = Self.valid.replacingOccurrences(of: "prover = \"stark\"", with: "prover = \"none\"")
        #expect(unproven != Self.valid)
        let proven = try parse(Self.valid)
        #expect(proven.settlement.prover == .stark)
        #expect(proven.batch.maxOperations == 4096)
        #expect(try parse(Self.valid.replacingOccurrences(of: "max_operations = 4096", with: "")).batch.maxOperations == 4096)
        // The proof budget: the file's, the default when absent, none without a prover.
        #expect(proven.batch.maxProofRows == 1 << 18)
        #expect(try parse(Self.valid.replacingOccurrences(of: "max_proof_rows = 262144", with: "max_proof_rows = 65536")).batch.maxProofRows == 1 << 16)
        #expect(try parse(Self.valid.replacingOccurrences(of: "max_proof_rows = 262144", with: "")).batch.maxProofRows == NodeConfig.Batch.defaultMaxProofRows)
        #expect(try parse(unproven).batch.maxProofRows == nil)
        // Proving at idle priority unless a config says otherwise.
        #expect(proven.settlement.proverBackground)
        let withoutBackground = Self.valid.replacingOccurrences(of: "prover_background = true", with: "")
        #expect(withoutBackground != Self.valid)
        #expect(try parse(withoutBackground).settlement.proverBackground)
        #expect(try parse(Self.valid.replacingOccurrences(of: "prover_background = true", with: "prover_background = false")).settlement.proverBackground == false)

        let none = try parse(unproven.replacingOccurrences(of: "max_operations = 4096", with: ""))
        #expect(none.batch.maxOperations == NodeConfig.Batch.maxUnprovenOperations)
        #expect(try parse(unproven.replacingOccurrences(of: "max_operations = 4096", with: "max_operations = 65536")).batch.maxOperations == 65536)
        do {
            _ = try parse(unproven.replacingOccurrences(of: "max_operations = 4096", with: "max_operations = 3"))
            Issue.record("accepted max_operations = 3 without a prover")
        } catch {
            #expect(error.key == "batch.max_operations", "\(error)")
        }
    }

    /// `[genesis] synthetic_accounts` (benchmarks): N extra accounts with deterministic addresses and
    /// the configured balances at genesis; token supply and holder count include them.
    @Test func syntheticGenesisAccountsAreWrittenWithTheirBalances() throws {
        let text = Self.valid + "\n[genesis]\nsynthetic_accounts = 1000\nsynthetic_native = \"7\"\nsynthetic_tokens = { EURD = \"3\" }\n"
        let config = try NodeConfig.parse(try ConfigDocument.parse(text, file: "c.toml"), file: "c.toml")
        #expect(config.syntheticAccounts == NodeConfig.SyntheticAccounts(count: 1000, nativeBalance: UInt256(7), tokenBalances: ["EURD": UInt256(3)]))
        let plain = try NodeConfig.load(path: Self.devnetPath)
        #expect(plain.syntheticAccounts == nil)
        let state = try config.genesisState()
        let base = try plain.genesisState()
        let eurd = try #require(config.tokens.first { $0.symbol == "EURD" }).address
        #expect(NodeConfig.syntheticAddress(0) != NodeConfig.syntheticAddress(1))
        #expect(NodeConfig.syntheticAddress(999) == NodeConfig.syntheticAddress(999))
        for index in [0, 1, 500, 999] {
            let address = NodeConfig.syntheticAddress(index)
            #expect(state.account(address).nativeBalance == UInt256(7))
            #expect(state.holding(token: eurd, holder: address).balance == UInt256(3))
        }
        #expect(state.account(NodeConfig.syntheticAddress(1000)).nativeBalance.isZero)
        #expect(state.tokenState(eurd).holderCount == base.tokenState(eurd).holderCount + 1000)
        #expect(state.entries().count > base.entries().count + 2000 - 1)
        // Configured members keep their own balances.
        let alice = try #require(config.accounts.first { $0.name == "alice" })
        #expect(state.account(alice.address).nativeBalance == alice.nativeBalance)

        for (bad, key) in [
            ("synthetic_accounts = -1", "genesis.synthetic_accounts"),
            ("synthetic_accounts = 5\nsynthetic_tokens = { XYZ = \"1\" }", "genesis.synthetic_tokens.XYZ"),
            ("synthetic_acounts = 5", "genesis.synthetic_acounts"),
        ] {
            do {
                _ = try NodeConfig.parse(try ConfigDocument.parse(Self.valid + "\n[genesis]\n" + bad + "\n", file: "c.toml"), file: "c.toml")
                Issue.record("accepted [genesis] \(bad)")
            } catch { #expect(error.key == key, "\(error)") }
        }
    }

    @Test func invalidTOMLNamesFileAndLine() {
        #expect(throws: ConfigError.self) { try ConfigDocument.parse("[chain\nchain_id = 1", file: "x.toml") }
        do {
            _ = try ConfigDocument.parse("a = 1\nb = = 2", file: "x.toml")
        } catch {
            #expect(error.description.hasPrefix("x.toml: not valid TOML at line 2"))
        }
    }
}
