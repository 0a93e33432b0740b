import BatchProof
import Foundation
import Hummingbird
import NIOCore
import Policy
import Primitives
import Settlement
import Logging
import PostgresStore
import ProverJobs
import ServiceLifecycle
import SQLiteStore
import Store
import NodeConfiguration
import L1Mock
import Sequencer

/// Starts a whole node: store, chain, HTTP listener, block production and the state
/// commitment, as one service group that stops gracefully on SIGINT/SIGTERM.
///
/// The one place that chooses the node's parts: the store engine (`openStore`), the L1 client
/// and the proof system (`settlementServices`). A second engine or L1 is a case here.
public enum NodeRuntime {
    /// Opens the chain's store with the master key, refusing (and touching nothing) when the key
    /// is missing or wrong: the one place that chooses the store engine (`[storage] engine`).
    /// SQLite lives in `dataDirectory` (or the config's) and folds and indexes at the config's
    /// `storeThresholds`; PostgreSQL at the configured URL, its password read now from its file
    /// or environment variable.
    public static func openStore(
        config: NodeConfig, masterKeyPath: String, dataDirectory: String? = nil
    ) throws -> any ChainStore {
        let masterKey = try MasterKey.load(from: masterKeyPath)
        switch config.store {
        case .sqlite:
            return try SQLiteChainStore(
                directory: dataDirectory ?? config.dataDirectory, masterKey: masterKey, masterKeyPath: masterKeyPath,
                indexRunSize: config.storeThresholds.indexRunSize, journalBlockLimit: config.storeThresholds.foldIntervalBlocks)
        case .postgres(let settings):
            let location = try PostgresLocation(url: settings.url, password: try settings.readPassword())
            return try PostgresChainStore(
                location: location, masterKey: masterKey, masterKeyPath: masterKeyPath, logger: Logger(label: "cloister.store"))
        }
    }

    /// Opens the store with the master key, refusing to start (and touching nothing) when it is missing or wrong.
    public static func openChain(config: NodeConfig, masterKeyPath: String, logger: Logger) async throws -> Chain {
        // The policy is checked first: an invalid policy stops the node before the store is opened.
        let policy = try config.policyDirectory.map { directory in
            try PolicyLoader.load(directory: directory, tokens: config.tokens)
        }
        let store = try openStore(config: config, masterKeyPath: masterKeyPath)
        let chain = try await Chain.open(config: config, store: store, logger: logger, policy: policy, metrics: NodeMetrics())
        if let policy {
            logger.info("policy loaded", metadata: ["hash": "\(policy.hash.hex)", "files": "\(policy.files.count)"])
        }
        return chain
    }

    /// The services of a running node, in start order (they stop in reverse).
    /// - Parameters:
    ///   - routes: adds the API's routes to the node's routers (JSON-RPC and sign-in on the member
    ///     listener; the read-only admin API on the admin listener, when it is configured).
    ///   - onServerRunning: called with the member listener's port once it accepts connections.
    ///   - onAdminRunning: the same for the admin listener.
    public static func services(
        chain: Chain, config: NodeConfig, logger: Logger,
        routes: @Sendable (NodeRouters, Chain) -> Void = { _, _ in },
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        onAdminRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        onL1Running: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> [any Service] {
        let routers = NodeRouters(
            member: router(chain: chain), admin: config.adminListen.map { _ in Router(context: NodeRequestContext.self) })
        routes(routers, chain)
        let app = Application(
            router: routers.member,
            configuration: .init(address: .hostname(config.listenHost, port: config.listenPort), serverName: "cloister"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? config.listenPort) },
            logger: logger)
        var services: [any Service] = [
            StateCommitmentService(chain: chain),
            BlockProductionService(chain: chain, interval: config.chain.blockInterval, logger: logger),
        ]
        if let directory = config.policyDirectory {
            services.append(PolicyReloadService(chain: chain, directory: directory, logger: logger))
        }
        services.append(app)
        services += try await settlementServices(chain: chain, config: config, logger: logger, onL1Running: onL1Running)
        if let admin = routers.admin, let listen = config.adminListen {
            services.append(
                Application(
                    router: admin,
                    configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "cloister-admin"),
                    onServerRunning: { channel in await onAdminRunning(channel.localAddress?.port ?? listen.port) },
                    logger: logger))
        }
        return services
    }

    static func router(chain: Chain) -> Router<NodeRequestContext> { NodeHTTP.router(chain: chain) }

    /// The settlement driver, the prover and, for the embedded L1 mock, the mock's public HTTP API.
    static func settlementServices(
        chain: Chain, config: NodeConfig, logger: Logger, onL1Running: @escaping @Sendable (Int) async -> Void
    ) async throws -> [any Service] {
        guard config.settlement.enabled else { return [] }
        guard let keyFile = config.operatorKeyFile else {
            throw NodeError.settlement(
                "settlement signs its L1 calls with the operator key: set [operator] key_file in \(config.file)")
        }
        let operatorKey: PrivateKey
        do { operatorKey = try KeyFile.read(at: keyFile) } catch {
            throw NodeError.settlement("cannot read the operator key \(keyFile): \(error)")
        }
        var services: [any Service] = []
        let proofSystem: any BatchProofSystem =
            switch config.settlement.prover {
            case .stark: StarkBatchProofs(background: config.settlement.proverBackground)
            // Statements only: the witnesses are built again, from sealed jobs, by the workers.
            case .external: StarkBatchProofs(background: config.settlement.proverBackground, keepsWitnesses: false)
            case .none: NoBatchProofs()
            }
        // The L1 accepts batch 1 only from this root; a separate `cloister l1` pins it with
        // `genesis_state_root` in its config (otherwise it trusts the first commit).
        let genesisRoot = try await proofSystem.genesisStateRoot(of: chain)
        logger.info("genesis state root", metadata: ["genesis_state_root": "\(genesisRoot.hex)", "proof_system": "\(proofSystem.name)"])
        let client: any L1Client
        switch config.settlement.l1 {
        case .embedded(let listen):
            let engine: L1SettlementMock
            do {
                engine = try L1SettlementMock.open(
                    dataDirectory: config.dataDirectory + "/l1", operator: operatorKey.address, verifier: StarkBatchVerifier(),
                    options: .init(genesisStateRoot: genesisRoot))
            } catch { throw NodeError.settlement("the embedded L1 mock cannot start: \(error.message)") }
            client = L1MockClient(engine: engine, operatorKey: operatorKey)
            if let listen {
                services.append(
                    L1Service(engine: engine, host: listen.host, port: listen.port, logger: logger, onServerRunning: onL1Running))
            }
        case .remote(let url):
            client = HTTPL1Client(baseURL: url, operatorKey: operatorKey)
        }
        services.append(
            SettlementService(
                batches: chain, l1: client, proofSystem: proofSystem, interval: config.settlement.pollInterval, logger: logger,
                metrics: chain.nodeMetrics))
        if config.settlement.prover == .external {
            services.append(try await externalProver(chain: chain, config: config, logger: logger))
        }
        if config.settlement.prover == .stark {
            services.append(
                ProverService(
                    batches: chain, system: proofSystem, workers: config.settlement.proverWorkers,
                    interval: config.settlement.pollInterval, logger: logger, metrics: chain.nodeMetrics))
            logger.info(
                "batch prover",
                metadata: [
                    "system": "\(proofSystem.name)", "workers": "\(config.settlement.proverWorkers)",
                    "threads": "\(config.settlement.proverBackground ? "every core, low priority" : "every core")",
                ])
        }
        return services
    }

    /// The enqueuer and collector of `prover = "external"`: the prover queue in the chain's
    /// PostgreSQL database (created by the store's migrations) and the key jobs are sealed with.
    static func externalProver(chain: Chain, config: NodeConfig, logger: Logger) async throws -> ExternalProverService {
        guard case .postgres(let settings) = config.store, let keyFile = config.settlement.proverKeyFile else {
            throw NodeError.settlement("prover = \"external\" needs [storage] engine = \"postgres\" and [settlement] prover_key_file")
        }
        let key = try ProverKey.load(from: keyFile)
        let location = try PostgresLocation(url: settings.url, password: try settings.readPassword())
        let queue = try await PostgresProverQueue.connect(location: location, logger: Logger(label: "cloister.prover-queue"))
        logger.info(
            "batch prover", metadata: ["system": "external: `cloister prover` workers", "queue": "\(location)", "prover_key": "\(key.id)"])
        return ExternalProverService(
            batches: chain, queue: queue, key: key, interval: config.settlement.pollInterval, logger: logger,
            metrics: chain.nodeMetrics)
    }

    public static func run(
        config: NodeConfig, masterKeyPath: String, logger: Logger,
        routes: @Sendable (NodeRouters, Chain) -> Void = { _, _ in }
    ) async throws {
        let chain = try await openChain(config: config, masterKeyPath: masterKeyPath, logger: logger)
        // The console's first overview after a start reads from warm caches (docs/CONSOLE.md, "Page times").
        Task.detached(priority: .background) { await chain.warmReadCaches(nowSeconds: UInt64(Date().timeIntervalSince1970)) }
        let group = ServiceGroup(
            configuration: .init(
                services: try await services(
                    chain: chain, config: config, logger: logger, routes: routes,
                    onServerRunning: { logger.info("listening", metadata: ["address": "http://\(config.listenHost):\($0)"]) },
                    onAdminRunning: { port in
                        logger.info("admin API listening", metadata: ["admin": "http://\(config.adminListen?.host ?? ""):\(port)"])
                    },
                    onL1Running: { port in
                        logger.info("embedded L1 mock listening", metadata: ["l1": "http://127.0.0.1:\(port)"])
                    }),
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        let head = await chain.head.header.number
        logger.info("node stopped", metadata: ["head": "\(head)"])
    }
}
