import Foundation
import Hummingbird
import NIOCore
import PostgresStore
import Sequencer

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
    /// The store engine: "sqlite" or "postgres".
    let store: String
    /// The prover queue (waiting, running, done and failed jobs, the oldest waiting job's age,
    /// each worker's last heartbeat); absent unless `cloister prover` workers prove.
    let proverQueue: ProverQueueStatus?
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
                pendingTransactions: await chain.pendingCount, includedSinceStart: await chain.includedSinceStart, latestBatch: batch.number, stateRoot: batch.stateRoot.hex,
                store: chain.config.store.name, proverQueue: chain.nodeMetrics.proverQueueStatus)
        }
        return router
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
