import Foundation
import Hummingbird
import Logging
import Node
import Primitives
import Sequencer

/// Turns a request's credentials into the caller's identity, before any JSON-RPC work.
public protocol CallerAuthenticator: Sendable {
    /// - Parameters:
    ///   - authorization: the raw `Authorization` header, if any (never logged).
    ///   - source: the client's address, for rate limiting and audit.
    func authenticate(authorization: String?, source: String) async -> Result<CallerIdentity, AuthenticationFailure>
}

/// Why a request was answered 401. The message never repeats the credential.
public struct AuthenticationFailure: Error, Sendable, Equatable {
    public var message: String
    public var retryAfterSeconds: Int?

    public init(_ message: String, retryAfterSeconds: Int? = nil) {
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// The member API's HTTP surface: JSON-RPC at `/` and `/rpc`.
public enum RPCRoutes {
    public struct Limits: Sendable {
        /// Largest request body accepted (bytes).
        public var maxBody = 5 * 1024 * 1024
        public var rpc = JSONRPCServer.Limits()
        public init() {}
    }

    public static func install(
        on router: Router<NodeRequestContext>, chain: Chain, authenticator: some CallerAuthenticator, limits: Limits = Limits(),
        logger: Logger
    ) {
        let ethereum = EthereumRPC(chain: chain)
        let metrics = chain.nodeMetrics
        let server = JSONRPCServer(limits: limits.rpc)
        let handler: @Sendable (Request, NodeRequestContext) async throws -> Response = { request, context in
            let source = context.remoteAddress?.ipAddress ?? "unknown"
            let caller: CallerIdentity
            switch await authenticator.authenticate(authorization: request.headers[.authorization], source: source) {
            case .success(let identity): caller = identity
            case .failure(let failure):
                var headers: HTTPFields = [.contentType: "application/json", .wwwAuthenticate: "Bearer"]
                if let retry = failure.retryAfterSeconds { headers[.retryAfter] = String(retry) }
                return Response(
                    status: .unauthorized, headers: headers,
                    body: .init(byteBuffer: ByteBuffer(bytes: JSON.object([("error", .string(failure.message))]).serialized)))
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: limits.maxBody)
            } catch {
                let error = RPCError.limitExceeded("request body exceeds the limit of \(limits.maxBody) bytes")
                return Response(
                    status: .contentTooLarge, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(bytes: JSONRPCServer.errorResponse(id: .null, error).serialized)))
            }
            let bytes = Array(buffer: body)
            // Unknown method names are not labels: a caller could otherwise mint series at will.
            @Sendable func label(_ call: RPCRequest, _ result: Result<JSON, RPCError>) -> (method: String, outcome: String) {
                switch result {
                case .success: return (call.method, "ok")
                case .failure(let error): return (error.code == -32601 ? "unknown" : call.method, String(error.code))
                }
            }
            let answer = await server.respond(
                to: bytes,
                handler: { call in
                    let started = ContinuousClock.now
                    let result = await ethereum.handle(call, caller: caller)
                    let (method, outcome) = label(call, result)
                    metrics.request(api: "rpc", method: method, outcome: outcome, duration: ContinuousClock.now - started)
                    return result
                },
                batchHandler: { calls in
                    let started = ContinuousClock.now
                    let results = await ethereum.handle(batch: calls, caller: caller)
                    let duration = ContinuousClock.now - started
                    // Every item is counted with the batch's time; runs of one method and outcome
                    // (a batch of transfers) are counted with one look-up.
                    var run: (method: String, outcome: String, count: Int)?
                    for (call, result) in zip(calls, results) {
                        let (method, outcome) = label(call, result)
                        if let current = run, current.method == method, current.outcome == outcome {
                            run?.count += 1
                        } else {
                            if let current = run {
                                metrics.requests(api: "rpc", method: current.method, outcome: current.outcome, count: current.count, duration: duration)
                            }
                            run = (method, outcome, 1)
                        }
                    }
                    if let current = run {
                        metrics.requests(api: "rpc", method: current.method, outcome: current.outcome, count: current.count, duration: duration)
                    }
                    return results
                })
            guard let answer else {
                return Response(status: .noContent)
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: answer)))
        }
        router.post("/", use: handler)
        router.post("/rpc", use: handler)
    }
}
