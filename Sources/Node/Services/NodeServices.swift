import BatchProof
import Foundation
import Hummingbird
import NIOCore
import Policy
import Primitives
import Settlement
import Logging
import ServiceLifecycle
import SQLiteStore
import Store
import NodeConfiguration
import L1Mock
import Sequencer

/// Closes a block every block interval; on graceful shutdown, drains the mempool into
/// final blocks before returning, so nothing admitted is dropped by a clean stop.
public struct BlockProductionService: Service {
    let chain: Chain
    let interval: Duration
    let logger: Logger

    public init(chain: Chain, interval: Duration, logger: Logger) {
        self.chain = chain
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        // Block production runs at high priority: under load, the cooperative threads hold
        // hundreds of admission jobs (each a signature recovery), and a block that queued
        // behind them at every hop would take several times its own work to close.
        await withTaskGroup(of: Void.self) { group in
            group.addTask(priority: .high) { await produceUntilShutdown() }
        }
    }

    private func produceUntilShutdown() async {
        let clock = ContinuousClock()
        var due = clock.now.advanced(by: interval)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            // Blocks are due one interval apart, start to start: a block that took longer than
            // the interval to produce is followed at once, not after a further full interval.
            try? await Task.sleep(until: due, clock: clock)
            await step()
            due = Swift.max(due.advanced(by: interval), clock.now)
        }
        while await chain.pendingCount > 0 {
            guard (try? await chain.produceBlock()) != nil else { break }
        }
        let head = await chain.head.header.number
        logger.info("block production stopped", metadata: ["head": "\(head)"])
    }

    /// Blocks that a full batch cut short are followed at once (up to a bound per tick), so
    /// `batch.max_operations` limits the size of a proof, not the chain's throughput.
    static let maximumBlocksPerTick = 32

    func step() async {
        do {
            try await chain.produceBlocks(maximumBlocks: Self.maximumBlocksPerTick)
        } catch {
            logger.error("block production failed: \(error)")
        }
    }
}

/// Keeps the account tree in step with committed blocks and records batch roots.
public struct StateCommitmentService: Service {
    let chain: Chain

    public init(chain: Chain) { self.chain = chain }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await chain.runStateCommitment()
        } onGracefulShutdown: {
            Task { await chain.finishStateCommitment() }
        }
    }
}

/// `GET /health`: liveness and where the chain stands (no private data).
struct HealthResponse: ResponseEncodable {
    let status: String
    let chainId: UInt64
    let policyHash: String?
    let headBlock: UInt64
    let pendingTransactions: Int
    let includedSinceStart: UInt64
    let latestBatch: UInt64
    let stateRoot: String
}

/// Builds the node's HTTP application. The JSON-RPC API joins this router with [rpc].
public enum NodeHTTP {
    public static func router(chain: Chain) -> Router<NodeRequestContext> {
        let router = Router(context: NodeRequestContext.self)
        router.get("/health") { _, _ -> HealthResponse in
            let head = await chain.head
            let batch = await chain.latestBatch
            return HealthResponse(
                status: "ok", chainId: chain.config.chain.chainID, policyHash: chain.currentPolicy?.hash.hex,
                headBlock: head.header.number,
                pendingTransactions: await chain.pendingCount, includedSinceStart: await chain.includedSinceStart, latestBatch: batch.number, stateRoot: batch.stateRoot.hex)
        }
        return router
    }
}

/// Starts a whole node: store, chain, HTTP listener, block production and the state
/// commitment, as one service group that stops gracefully on SIGINT/SIGTERM.
public enum NodeRuntime {
    /// Opens the store with the master key, refusing to start (and touching nothing) when it is missing or wrong.
    public static func openChain(config: NodeConfig, masterKeyPath: String, logger: Logger) async throws -> Chain {
        // The policy is checked first: an invalid policy stops the node before the store is opened.
        let policy = try config.policyDirectory.map { directory in
            try PolicyLoader.load(directory: directory, tokens: config.tokens)
        }
        let masterKey = try MasterKey.load(from: masterKeyPath)
        let store = try SQLiteChainStore(directory: config.dataDirectory, masterKey: masterKey, masterKeyPath: masterKeyPath)
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
        if config.settlement.prover != .none {
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

    public static func run(
        config: NodeConfig, masterKeyPath: String, logger: Logger,
        routes: @Sendable (NodeRouters, Chain) -> Void = { _, _ in }
    ) async throws {
        let chain = try await openChain(config: config, masterKeyPath: masterKeyPath, logger: logger)
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

/// The routers of the node's two listeners: members (JSON-RPC, sign-in, /health) and the
/// read-only admin API (nil when `[admin] listen = "off"`).
public struct NodeRouters {
    public let member: Router<NodeRequestContext>
    public let admin: Router<NodeRequestContext>?
}

/// The request context of the node's HTTP listener: Hummingbird's basics plus the peer's
/// address (for rate limiting failed logins and for audit records).
public struct NodeRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
