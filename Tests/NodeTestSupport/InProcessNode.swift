import Foundation
import Hummingbird
import Logging
import Node
import Policy
import Primitives
import ServiceLifecycle
import Sequencer
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A node running in-process with its real HTTP listener on an ephemeral loopback port.
public final class InProcessNode: @unchecked Sendable {
    public let chain: Chain
    public let port: Int
    /// The admin listener's port (the fixture always configures one on an ephemeral port).
    public let adminPort: Int
    private let group: ServiceGroup
    private let task: Task<Void, Error>

    /// Starts a node whose routes are added to the member listener only.
    public static func start(
        _ fixture: ChainFixture, policy: CompiledPolicy? = nil,
        routes: @escaping @Sendable (Router<NodeRequestContext>, Chain) -> Void
    ) async throws -> InProcessNode {
        try await start(fixture, policy: policy, apiRoutes: { routers, chain in routes(routers.member, chain) })
    }

    /// Starts a node with routes on both listeners (member and admin).
    public static func start(
        _ fixture: ChainFixture, policy: CompiledPolicy? = nil,
        apiRoutes: @escaping @Sendable (NodeRouters, Chain) -> Void
    ) async throws -> InProcessNode {
        let chain = try await fixture.openChain(policy: policy, metrics: NodeMetrics())
        let logger = Logger(label: "test-node")
        let (ports, continuation) = AsyncStream.makeStream(of: (String, Int).self)
        let services = try await NodeRuntime.services(
            chain: chain, config: fixture.config, logger: logger, routes: apiRoutes,
            onServerRunning: { continuation.yield(("member", $0)) }, onAdminRunning: { continuation.yield(("admin", $0)) })
        let group = ServiceGroup(configuration: .init(services: services, logger: logger))
        let task = Task { try await group.run() }
        var found: [String: Int] = [:]
        for await (listener, port) in ports {
            found[listener] = port
            if found.count == 2 { break }
        }
        guard let port = found["member"], let adminPort = found["admin"] else { throw CancellationError() }
        return InProcessNode(chain: chain, port: port, adminPort: adminPort, group: group, task: task)
    }

    init(chain: Chain, port: Int, adminPort: Int, group: ServiceGroup, task: Task<Void, Error>) {
        self.chain = chain
        self.port = port
        self.adminPort = adminPort
        self.group = group
        self.task = task
    }

    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    /// Produces blocks until the transaction `hash` is stored and the chain's head has reached its
    /// block, for at most `limit`; true when both hold.
    /// The node's own block production runs too: it may have taken the transaction and still be
    /// writing its block when a block produced here finds the mempool empty, and production
    /// pauses while sealed batches wait for the state tree, which takes seconds on a busy CI
    /// machine. So one `produceBlock()` promises nothing; a deadline rather than a count of tries.
    /// A stored block's transactions can be read by hash a moment before `head` moves to it, so
    /// a list up to the head waits for both.
    @discardableResult
    public func produceBlocksUntilStored(_ hash: Hash32, within limit: Duration = .seconds(120)) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let stored = try chain.transaction(hash: hash) {
                if await chain.head.header.number >= stored.blockNumber { return true }
            } else {
                try await chain.produceBlock()
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    public struct HTTPResult: Sendable {
        public var status: Int
        public var body: Data
        public var json: Any? { try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
    }

    /// POSTs `body` to `path` with an optional bearer token (no Content-Type, as web3.py may send).
    public func post(_ path: String = "/", body: Data, token: String?) async throws -> HTTPResult {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = "POST"
        request.httpBody = body
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return HTTPResult(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data)
    }

    /// A request to the admin listener (GET unless `method` says otherwise) with an optional bearer token.
    public func admin(_ pathAndQuery: String, token: String?, method: String = "GET") async throws -> HTTPResult {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(adminPort)\(pathAndQuery)")!)
        request.httpMethod = method
        if method != "GET" && method != "HEAD" { request.httpBody = Data("{}".utf8) }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return HTTPResult(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data)
    }

    /// One JSON-RPC call; returns the decoded response object.
    public func rpc(_ method: String, _ params: [Any], token: String?) async throws -> [String: Any] {
        let body = try JSONSerialization.data(withJSONObject: ["jsonrpc": "2.0", "id": 1, "method": method, "params": params])
        let result = try await post(body: body, token: token)
        return (result.json as? [String: Any]) ?? ["httpStatus": result.status]
    }
}
