import ConfigFiles
import Foundation
import Ledger
import Primitives

/// The chain configuration of `Config/cloister.toml`, checked and typed.
///
/// Relative paths in the file are resolved against the file's own folder, so a config
/// works the same from any working directory.
public struct NodeConfig: Sendable {
    public struct ChainSettings: Sendable {
        public var chainID: UInt64
        public var blockInterval: Duration
        public var maxBlockTransactions: Int
        public var blockGasLimit: UInt64
        public var gasPrice: UInt256
        /// Pending transactions the mempool holds before it refuses more (`mempool_max_transactions`).
        public var mempoolMaxTransactions: Int = 100_000
        /// Journal every accepted transaction before its hash is answered, so that a crash loses
        /// none (`durable_admission`, default on; off only to measure what it costs).
        public var durableAdmission: Bool = true
    }

    public struct Batch: Sendable {
        /// Seal after this many blocks...
        public var maxBlocks: Int
        /// ...or after this long, if the batch holds any transaction...
        public var maxInterval: Duration
        /// ...or before its proof could need more operation slots than this. The prover's
        /// time and memory grow with the batch's rows (AIR v3: 8 per operation, per touched
        /// leaf and per touched tree node), so this bounds both: 1,024 transfers prove in about
        /// 3 s and 1 GB on two cores when they share accounts, 14 s and 3.5 GB spread over a
        /// million accounts (docs/BENCH.md).
        ///
        /// A node without a prover (`settlement.prover = "none"`, or no settlement) has no proof
        /// to bound: its batches close by `maxBlocks` and `maxInterval` alone unless this is set.
        public var maxOperations: Int = Self.defaultMaxOperations
        /// ...or before its proof could need more trace rows than this (`max_proof_rows`): the
        /// batch AIR's rows grow with the leaves and tree nodes a batch touches, not only with
        /// its operations, so this is what bounds the prover's memory (about 13 KB a row on two
        /// cores: 2¹⁸ rows prove in about 3.5 GB). Transfers among a few thousand accounts fill
        /// 4,096 operations in 2¹⁶ rows; transfers spread over a million accounts reach 2¹⁸ rows
        /// at about 1,300 (docs/BENCH.md). nil without a prover.
        public var maxProofRows: Int? = Self.defaultMaxProofRows
        /// Block production pauses while this many sealed batches wait for their account-tree
        /// root (`max_sealed_awaiting_root`). Under a load faster than the tree can hash, their
        /// changes wait in memory (about a megabyte per batch of 1,024 transfers; docs/BENCH.md);
        /// this turns a sustained overload into refusals (a full mempool) instead of an exhausted
        /// machine, while a burst of about two million transfers still runs at full speed.
        public var maxSealedAwaitingRoot: Int = Self.defaultMaxSealedAwaitingRoot
        public static let defaultMaxSealedAwaitingRoot = 2_048

        public static let defaultMaxOperations = 4_096
        /// The AIR holds 2¹⁵ operation slots; a batch reopened after a crash may merge two, so
        /// one batch takes at most half of them. `max_proof_rows` bounds the memory.
        public static let maxOperationsRange = 4...16_384
        public static let defaultMaxProofRows = 1 << 18
        /// 2¹⁶ rows is the smallest trace a batch proof has (its 16-bit range table); 2²⁴ the
        /// AIR's largest (about 220 GB to prove).
        public static let maxProofRowsRange = (1 << 16)...(1 << 24)
        /// What an unproven batch may hold: the account tree is brought up to date once per
        /// batch, so larger batches cost the node less; this only keeps counts far from overflow.
        public static let maxUnprovenOperations = 1 << 40
        public static let unprovenOperationsRange = 4...maxUnprovenOperations
    }

    /// A genesis account, with its name and organisation for people reading the config.
    public struct Account: Sendable {
        public var name: String
        public var organisation: String
        public var address: Address
        /// Development-only key file of a devnet member.
        public var keyFile: String?
        public var nativeBalance: UInt256
        /// Token symbol → amount (in the token's smallest unit).
        public var tokenBalances: [String: UInt256]
    }

    public var file: String
    public var chain: ChainSettings
    public var batch: Batch
    public var dataDirectory: String
    public var masterKeyFile: String
    /// `[storage] fold_interval_blocks`, `index_run_size`: when the store folds and indexes.
    public var storeThresholds = StoreThresholds()
    /// `[storage] engine`: where the chain is kept (SQLite in `dataDirectory` by default).
    public var store: StoreEngine = .sqlite
    public var listenHost: String
    public var listenPort: Int
    /// `[api] policy_refusals_per_minute`: policy refusals one member may provoke before
    /// execution in a minute (estimateGas, eth_call, admission); past it, those calls are
    /// refused until the minute has passed (a probe of others' state must stay slow and visible).
    public var policyRefusalsPerMinute: Int = NodeConfig.defaultPolicyRefusalsPerMinute
    public static let defaultPolicyRefusalsPerMinute = 30
    /// The admin and audit API (`/admin/v1/…`, `/metrics`): a separate, read-only listener.
    /// nil when `[admin] listen = "off"`.
    public var adminListen: (host: String, port: Int)?
    /// `[admin] console…`: the audit console on the admin listener.
    public var console = ConsoleSettings()
    public var operatorKeyFile: String?

    /// Where batches settle: the L1 mock in this process (the default), or a `cloister l1` service.
    public struct SettlementConfig: Sendable {
        public enum L1: Sendable, Equatable {
            /// In-process, with its own SQLite file in `<data_dir>/l1`; its public HTTP API is served
            /// on `listen` (nil: not served).
            case embedded(listen: (host: String, port: Int)?)
            /// A `cloister l1` service at this base URL.
            case remote(URL)

            public static func == (a: L1, b: L1) -> Bool {
                switch (a, b) {
                case (.embedded(let x), .embedded(let y)): return x?.host == y?.host && x?.port == y?.port
                case (.remote(let x), .remote(let y)): return x == y
                default: return false
                }
            }
        }

        public var l1: L1
        /// How often the driver looks for sealed batches and new deposits.
        public var pollInterval: Duration
        /// nil: settlement is off (tests of other parts).
        public var enabled: Bool
        /// Which validity proofs the node makes for its batches.
        public var prover: Prover
        /// How many batches are proven at once (each proof already uses every core).
        public var proverWorkers: Int
        /// Build witnesses and prove at idle priority (`SCHED_IDLE`, one thread per core): every
        /// core while nothing else wants them, none while blocks and requests do. On by default:
        /// a prover at normal priority on the sequencer's cores takes most of its rate (figures
        /// in docs/BENCH.md); at idle priority an idle node proves as fast. `false` suits a
        /// machine that only proves.
        public var proverBackground = true

        public enum Prover: String, Sendable {
            /// STARK batch proofs (BatchProof module); batches go on to proven and executed.
            case stark
            /// No proofs: batches are committed and stay so (tests of other parts).
            case none
            /// STARK proofs made by `cloister prover` workers from the job queue in the chain's
            /// PostgreSQL database (`[storage] engine = "postgres"` only); the node enqueues one
            /// job per committed batch, sealed with `prover_key_file`, and collects the proofs.
            case external
        }

        /// The key prover jobs are sealed with (`prover = "external"`; `cloister keys new-prover`).
        public var proverKeyFile: String?

        /// Whether the batches are proven (in the node or by workers), so their size is bounded by the prover.
        public var proves: Bool { enabled && prover != .none }

        public init(l1: L1, pollInterval: Duration, enabled: Bool = true, prover: Prover = .stark, proverWorkers: Int = 1) {
            self.l1 = l1
            self.pollInterval = pollInterval
            self.enabled = enabled
            self.prover = prover
            self.proverWorkers = proverWorkers
        }
    }

    public var settlement: SettlementConfig = SettlementConfig(l1: .embedded(listen: nil), pollInterval: .seconds(1), enabled: false)
    /// OIDC identity provider for member sign-in with JWTs (optional).
    public struct OIDC: Sendable {
        /// A JWKS file path, or an http(s) URL the node fetches at start.
        public var jwks: String
        public var issuer: String
        public var audience: String

        public init(jwks: String, issuer: String, audience: String) {
            self.jwks = jwks
            self.issuer = issuer
            self.audience = audience
        }
    }

    public var oidc: OIDC?
    /// The policy folder (`Policies/`); nil runs without access and compliance policy (tests only).
    public var policyDirectory: String?
    public var tokens: [TokenDefinition]
    public var accounts: [Account]

    /// For benchmarks only (`cloister bench --accounts N`): extra accounts written at genesis so
    /// that the state is large without a huge config file. They have deterministic addresses
    /// (`syntheticAddress(_:)`), no keys anyone holds, and no policy membership.
    public struct SyntheticAccounts: Sendable, Equatable {
        public var count: Int
        /// Native balance of each synthetic account (default 1).
        public var nativeBalance: UInt256
        /// Token symbol → balance of each synthetic account.
        public var tokenBalances: [String: UInt256]

        public init(count: Int, nativeBalance: UInt256 = UInt256(1), tokenBalances: [String: UInt256] = [:]) {
            self.count = count
            self.nativeBalance = nativeBalance
            self.tokenBalances = tokenBalances
        }
    }

    /// `[genesis] synthetic_accounts = N` (nil when absent or 0).
    public var syntheticAccounts: SyntheticAccounts? = nil

    /// The address of synthetic account `index`: the last 20 bytes of
    /// keccak256("cloister.synthetic-account" ‖ index as 8 big-endian bytes).
    public static func syntheticAddress(_ index: Int) -> Address {
        var hasher = Keccak256()
        hasher.update(Array("cloister.synthetic-account".utf8))
        hasher.update(withUnsafeBytes(of: UInt64(index).bigEndian) { Array($0) })
        return Address(lastTwentyBytesOf: hasher.finalize())
    }

    /// The default config path, relative to the working directory.
    public static let defaultPath = "Config/cloister.toml"

    /// Loads and validates a config file; every problem names the file and key.
    public static func load(path: String) throws(ConfigError) -> NodeConfig {
        try parse(ConfigDocument.load(path: path), file: path)
    }

    public static func parse(_ document: ConfigTable, file: String) throws(ConfigError) -> NodeConfig {
        let paths = ConfigPaths(file: file)
        let root = TableReader(document, file: file)
        let chain = try parseChain(root)
        let batchSection = try parseBatch(root)
        let storage = try parseStorage(root, paths)
        let api = try parseAPI(root)
        let (adminListen, console) = try parseAdmin(root)
        let operatorKeyFile = try parseOperator(root, paths)
        let settlement = try parseSettlement(root, paths, engine: storage.engine)
        var batch = batchSection.batch
        let proven = settlement.proves
        batch.maxOperations = try batchSection.maxOperations(proven: proven)
        batch.maxProofRows = proven ? batchSection.requestedMaxProofRows ?? Batch.defaultMaxProofRows : nil
        let policyDirectory = try parsePolicy(root, paths)
        let oidc = try parseAuth(root, paths)
        let tokens = try parseTokens(root)
        let symbols = Set(tokens.map(\.symbol))
        let accounts = try parseAccounts(root, symbols: symbols, tokenAddresses: Set(tokens.map(\.address)), paths)
        let synthetic = try parseGenesis(root, symbols: symbols)
        try root.finish()

        var config = NodeConfig(
            file: file, chain: chain, batch: batch, dataDirectory: storage.dataDirectory,
            masterKeyFile: storage.masterKeyFile, listenHost: api.host, listenPort: api.port, adminListen: adminListen,
            operatorKeyFile: operatorKeyFile, settlement: settlement, oidc: oidc, policyDirectory: policyDirectory,
            tokens: tokens, accounts: accounts)
        config.syntheticAccounts = synthetic
        config.storeThresholds = storage.thresholds
        config.store = storage.engine
        config.policyRefusalsPerMinute = api.policyRefusalsPerMinute
        config.console = console
        return config
    }

    /// `host:port`, host being an IPv4 address or a name.
    static func parseListenAddress(_ text: String, reader: TableReader, key: String) throws(ConfigError) -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port),
            colon != text.startIndex
        else { throw reader.error(key, "'\(text)' must be host:port, e.g. 127.0.0.1:8545") }
        return (String(text[..<colon]), port)
    }

    /// The genesis ledger: configured tokens, native and token balances, and the synthetic
    /// benchmark accounts if any (a configured account keeps its configured balances).
    public func genesisState() throws(LedgerError) -> LedgerState {
        var native = [Address: UInt256]()
        var tokenBalances = [Address: [Address: UInt256]]()
        let tokensBySymbol = Dictionary(uniqueKeysWithValues: tokens.map { ($0.symbol, $0.address) })
        if let synthetic = syntheticAccounts, synthetic.count > 0 {
            native.reserveCapacity(synthetic.count + accounts.count)
            let tokenAmounts = synthetic.tokenBalances.filter { !$0.value.isZero }.map { (tokensBySymbol[$0.key]!, $0.value) }
            for (token, _) in tokenAmounts { tokenBalances[token, default: [:]].reserveCapacity(synthetic.count + accounts.count) }
            for index in 0..<synthetic.count {
                let address = Self.syntheticAddress(index)
                if !synthetic.nativeBalance.isZero { native[address] = synthetic.nativeBalance }
                for (token, amount) in tokenAmounts { tokenBalances[token, default: [:]][address] = amount }
            }
        }
        for account in accounts {
            if !account.nativeBalance.isZero { native[account.address] = account.nativeBalance }
            for (symbol, amount) in account.tokenBalances where !amount.isZero {
                tokenBalances[tokensBySymbol[symbol]!, default: [:]][account.address] = amount
            }
        }
        return try LedgerState.genesis(tokens: tokens, nativeBalances: native, tokenBalances: tokenBalances)
    }
}

/// Relative paths in a config file name places beside the file.
struct ConfigPaths {
    let base: String

    init(file: String) {
        base = (file as NSString).deletingLastPathComponent
    }

    func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : ((base.isEmpty ? "." : base) as NSString).appendingPathComponent(path)
    }
}

/// `[batch]` as read, before `max_operations` can be checked: its range depends on `[settlement]`.
private struct BatchSection {
    var batch: NodeConfig.Batch
    var requestedMaxOperations: Int?
    var requestedMaxProofRows: Int?
    var table: TableReader

    /// `max_operations`, checked against the prover, or its default with or without one.
    func maxOperations(proven: Bool) throws(ConfigError) -> Int {
        typealias Batch = NodeConfig.Batch
        if let requested = requestedMaxOperations {
            let range = proven ? Batch.maxOperationsRange : Batch.unprovenOperationsRange
            guard range.contains(requested) else {
                throw table.error(
                    "max_operations",
                    "must be between \(range.lowerBound) and \(range.upperBound), got \(requested)"
                        + (proven ? " (the prover holds a whole batch in memory; without a prover batches may be larger)" : ""))
            }
        }
        return requestedMaxOperations ?? (proven ? Batch.defaultMaxOperations : Batch.maxUnprovenOperations)
    }
}

// MARK: - The sections of the config file, in the order `parse` reads them

extension NodeConfig {
    private static func parseChain(_ root: TableReader) throws(ConfigError) -> ChainSettings {
        let chainTable = try root.table("chain")
        let chainID = try chainTable.integer("chain_id", in: 1...Int(Int64.max))
        let chain = ChainSettings(
            chainID: UInt64(chainID),
            blockInterval: .milliseconds(try chainTable.integer("block_interval_ms", in: 10...60_000)),
            maxBlockTransactions: try chainTable.integer("max_block_transactions", in: 1...1_000_000),
            blockGasLimit: UInt64(try chainTable.integer("block_gas_limit", in: 21_000...Int(Int64.max))),
            gasPrice: try chainTable.optionalAmount("gas_price") ?? .zero,
            mempoolMaxTransactions: try chainTable.optionalInteger("mempool_max_transactions", in: 1...10_000_000) ?? 100_000,
            durableAdmission: try chainTable.optionalBoolean("durable_admission") ?? true)
        try chainTable.finish()
        return chain
    }

    private static func parseBatch(_ root: TableReader) throws(ConfigError) -> BatchSection {
        let batchTable = try root.table("batch")
        var batch = Batch(
            maxBlocks: try batchTable.integer("max_blocks", in: 1...1_000_000),
            maxInterval: .milliseconds(try batchTable.integer("max_interval_ms", in: 10...86_400_000)),
            maxOperations: Batch.defaultMaxOperations)
        // Checked against the prover once settlement is read (`BatchSection.maxOperations`).
        let requestedMaxOperations = try batchTable.optionalInteger("max_operations")
        batch.maxSealedAwaitingRoot =
            try batchTable.optionalInteger("max_sealed_awaiting_root", in: 1...1_000_000) ?? Batch.defaultMaxSealedAwaitingRoot
        let requestedMaxProofRows = try batchTable.optionalInteger("max_proof_rows", in: Batch.maxProofRowsRange)
        try batchTable.finish()
        return BatchSection(
            batch: batch, requestedMaxOperations: requestedMaxOperations, requestedMaxProofRows: requestedMaxProofRows,
            table: batchTable)
    }

    private static func parseStorage(
        _ root: TableReader, _ paths: ConfigPaths
    ) throws(ConfigError) -> (dataDirectory: String, masterKeyFile: String, thresholds: StoreThresholds, engine: StoreEngine) {
        let storage = try root.table("storage")
        let dataDirectory = paths.resolve(try storage.string("data_dir"))
        let masterKeyFile = paths.resolve(try storage.string("master_key_file"))
        let thresholds = try StoreThresholds.parse(storage)
        let engine = try PostgresSettings.parseEngine(storage, paths)
        try storage.finish()
        return (dataDirectory, masterKeyFile, thresholds, engine)
    }

    private static func parseAPI(
        _ root: TableReader
    ) throws(ConfigError) -> (host: String, port: Int, policyRefusalsPerMinute: Int) {
        let api = try root.table("api")
        let listen = try api.string("listen")
        let (host, port) = try parseListenAddress(listen, reader: api, key: "listen")
        let policyRefusalsPerMinute =
            try api.optionalInteger("policy_refusals_per_minute", in: 1...1_000_000) ?? Self.defaultPolicyRefusalsPerMinute
        try api.finish()
        return (host, port, policyRefusalsPerMinute)
    }

    /// `[admin] listen`: nil when "off"; 127.0.0.1:8546 when absent. The console keys beside it.
    private static func parseAdmin(
        _ root: TableReader
    ) throws(ConfigError) -> (listen: (host: String, port: Int)?, console: ConsoleSettings) {
        var adminListen: (host: String, port: Int)? = ("127.0.0.1", 8546)
        var console = ConsoleSettings()
        if let admin = try root.optionalTable("admin") {
            if let text = try admin.optionalString("listen") {
                adminListen = text == "off" ? nil : try parseListenAddress(text, reader: admin, key: "listen")
            }
            console = try ConsoleSettings.parse(admin)
            try admin.finish()
        }
        return (adminListen, console)
    }

    private static func parseOperator(_ root: TableReader, _ paths: ConfigPaths) throws(ConfigError) -> String? {
        var operatorKeyFile: String?
        if let operatorTable = try root.optionalTable("operator") {
            operatorKeyFile = try operatorTable.optionalString("key_file").map(paths.resolve)
            try operatorTable.finish()
        }
        return operatorKeyFile
    }

    /// `[settlement]`; without it, settlement is off.
    private static func parseSettlement(
        _ root: TableReader, _ paths: ConfigPaths, engine: StoreEngine
    ) throws(ConfigError) -> SettlementConfig {
        var settlement = SettlementConfig(l1: .embedded(listen: nil), pollInterval: .seconds(1), enabled: false)
        if let table = try root.optionalTable("settlement") {
            let l1 = try table.optionalString("l1") ?? "embedded"
            let interval = Duration.milliseconds(try table.optionalInteger("poll_interval_ms") ?? 1000)
            if l1 == "embedded" {
                var listen: (host: String, port: Int)? = ("127.0.0.1", 8547)
                if let text = try table.optionalString("embedded_listen") {
                    listen = text == "off" ? nil : try parseListenAddress(text, reader: table, key: "embedded_listen")
                }
                settlement = SettlementConfig(l1: .embedded(listen: listen), pollInterval: interval)
            } else {
                guard let url = URL(string: l1), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                    throw table.error("l1", "'\(l1)' must be \"embedded\" or the URL of a `cloister l1` service, e.g. http://127.0.0.1:8547")
                }
                settlement = SettlementConfig(l1: .remote(url), pollInterval: interval)
            }
            if let prover = try table.optionalString("prover") {
                guard let value = SettlementConfig.Prover(rawValue: prover) else {
                    throw table.error(
                        "prover",
                        "'\(prover)' must be \"stark\" (validity proofs made by the node), \"external\" (made by "
                            + "`cloister prover` workers) or \"none\" (batches stay committed)")
                }
                settlement.prover = value
            }
            settlement.proverKeyFile = try table.optionalString("prover_key_file").map(paths.resolve)
            try checkExternalProving(settlement, table, engine: engine)
            if let workers = try table.optionalInteger("prover_workers") {
                guard (1...16).contains(workers) else {
                    throw table.error("prover_workers", "\(workers) must be between 1 and 16 (batches proven at once)")
                }
                settlement.proverWorkers = workers
            }
            settlement.proverBackground = try table.optionalBoolean("prover_background") ?? true
            try table.finish()
        }
        return settlement
    }

    /// `prover = "external"` needs the PostgreSQL store (the job queue lives in its database) and
    /// the prover key; `prover_key_file` means nothing without it.
    private static func checkExternalProving(
        _ settlement: SettlementConfig, _ table: TableReader, engine: StoreEngine
    ) throws(ConfigError) {
        guard settlement.prover == .external else {
            if settlement.proverKeyFile != nil {
                throw table.error("prover_key_file", "is set but prover is not \"external\"; set prover = \"external\" or remove it")
            }
            return
        }
        guard case .postgres = engine else {
            throw table.error(
                "prover",
                "\"external\" leaves proving to `cloister prover` workers, which take their jobs from the chain's "
                    + "PostgreSQL database: set [storage] engine = \"postgres\", or use prover = \"stark\" to prove in the node")
        }
        guard settlement.proverKeyFile != nil else {
            throw table.error(
                "prover_key_file",
                "is required with prover = \"external\": the key jobs are sealed with (create it with "
                    + "`cloister keys new-prover FILE` and give the workers the same file)")
        }
    }

    private static func parsePolicy(_ root: TableReader, _ paths: ConfigPaths) throws(ConfigError) -> String? {
        var policyDirectory: String?
        if let policyTable = try root.optionalTable("policy") {
            policyDirectory = paths.resolve(try policyTable.string("directory"))
            try policyTable.finish()
        }
        return policyDirectory
    }

    /// `[auth.oidc]`, the only part of `[auth]`.
    private static func parseAuth(_ root: TableReader, _ paths: ConfigPaths) throws(ConfigError) -> OIDC? {
        var oidc: OIDC?
        if let authTable = try root.optionalTable("auth") {
            if let oidcTable = try authTable.optionalTable("oidc") {
                let jwks = try oidcTable.string("jwks")
                let isURL = jwks.hasPrefix("https://") || jwks.hasPrefix("http://")
                oidc = OIDC(
                    jwks: isURL ? jwks : paths.resolve(jwks), issuer: try oidcTable.string("issuer"),
                    audience: try oidcTable.string("audience"))
                try oidcTable.finish()
            }
            try authTable.finish()
        }
        return oidc
    }

    /// `[[tokens]]`: symbols and addresses unique, no token at the zero address.
    private static func parseTokens(_ root: TableReader) throws(ConfigError) -> [TokenDefinition] {
        var tokens = [TokenDefinition]()
        var symbols = Set<String>()
        var tokenAddresses = Set<Address>()
        for table in try root.tables("tokens") {
            let address = try table.address("address")
            let symbol = try table.string("symbol")
            guard !symbol.isEmpty, symbol.count <= 11 else { throw table.error("symbol", "must be 1 to 11 characters") }
            guard symbols.insert(symbol).inserted else { throw table.error("symbol", "'\(symbol)' is used by another token") }
            guard tokenAddresses.insert(address).inserted else {
                throw table.error("address", "\(address) is used by another token")
            }
            guard address != .zero else { throw table.error("address", "the zero address cannot be a token") }
            let token = TokenDefinition(
                address: address, symbol: symbol, name: try table.string("name"),
                decimals: UInt8(try table.integer("decimals", in: 0...36)),
                issuers: Set(try table.addressArray("issuers")), agents: Set(try table.addressArray("agents")),
                supplyCap: try table.optionalAmount("supply_cap"))
            try table.finish()
            tokens.append(token)
        }
        return tokens
    }

    /// `[[accounts]]`: addresses unique and none a token's; token balances only of configured tokens.
    private static func parseAccounts(
        _ root: TableReader, symbols: Set<String>, tokenAddresses: Set<Address>, _ paths: ConfigPaths
    ) throws(ConfigError) -> [Account] {
        var accounts = [Account]()
        var accountAddresses = Set<Address>()
        for table in try root.tables("accounts") {
            let address = try table.address("address")
            guard accountAddresses.insert(address).inserted else {
                throw table.error("address", "\(address) appears in another account")
            }
            guard !tokenAddresses.contains(address) else {
                throw table.error("address", "\(address) is a token address, not an account")
            }
            var balances = [String: UInt256]()
            if let tokenTable = try table.optionalTable("tokens") {
                balances = try parseTokenBalances(tokenTable, symbols: symbols)
            }
            accounts.append(
                Account(
                    name: try table.string("name"), organisation: try table.string("organisation"), address: address,
                    keyFile: try table.optionalString("key_file").map(paths.resolve),
                    nativeBalance: try table.optionalAmount("native") ?? .zero, tokenBalances: balances))
            try table.finish()
        }
        return accounts
    }

    /// `[genesis]`: the synthetic benchmark accounts; nil when absent or 0.
    private static func parseGenesis(_ root: TableReader, symbols: Set<String>) throws(ConfigError) -> SyntheticAccounts? {
        guard let genesisTable = try root.optionalTable("genesis") else { return nil }
        let count = try genesisTable.optionalInteger("synthetic_accounts") ?? 0
        guard (0...10_000_000).contains(count) else {
            throw genesisTable.error("synthetic_accounts", "must be 0 to 10000000, not \(count)")
        }
        var balances = [String: UInt256]()
        if let tokenTable = try genesisTable.optionalTable("synthetic_tokens") {
            balances = try parseTokenBalances(tokenTable, symbols: symbols)
        }
        let native = try genesisTable.optionalAmount("synthetic_native") ?? UInt256(1)
        try genesisTable.finish()
        return count > 0 ? SyntheticAccounts(count: count, nativeBalance: native, tokenBalances: balances) : nil
    }

    /// A table of token symbol → amount, every symbol a configured token's.
    private static func parseTokenBalances(
        _ tokenTable: TableReader, symbols: Set<String>
    ) throws(ConfigError) -> [String: UInt256] {
        var balances = [String: UInt256]()
        for symbol in tokenTable.freeformKeys() {
            guard symbols.contains(symbol) else {
                throw tokenTable.error(symbol, "no token with symbol '\(symbol)' is configured")
            }
            balances[symbol] = try tokenTable.amount(symbol)
        }
        return balances
    }
}
