import Foundation
import Hummingbird
import Logging
import Node
import Primitives

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
            let metrics = chain.metrics
            let answer = await server.respond(to: bytes) { call in
                let started = ContinuousClock.now
                let result = await ethereum.handle(call, caller: caller)
                let outcome: String
                switch result {
                case .success: outcome = "ok"
                case .failure(let error): outcome = String(error.code)
                }
                // Unknown method names are not labels: a caller could otherwise mint series at will.
                let method = (try? result.get()) == nil && outcome == "-32601" ? "unknown" : call.method
                metrics.request(api: "rpc", method: method, outcome: outcome, duration: ContinuousClock.now - started)
                return result
            }
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

/// Fixed bearer tokens → identities: for tests and local tools, never for production.
public struct StaticTokenAuthenticator: CallerAuthenticator {
    let identities: [String: CallerIdentity]

    public init(_ identities: [String: CallerIdentity]) { self.identities = identities }

    public func authenticate(authorization: String?, source: String) async -> Result<CallerIdentity, AuthenticationFailure> {
        guard let authorization, authorization.hasPrefix("Bearer ") else {
            return .failure(AuthenticationFailure("missing bearer token: send 'Authorization: Bearer <token>'"))
        }
        guard let identity = identities[String(authorization.dropFirst(7))] else {
            return .failure(AuthenticationFailure("invalid or expired token"))
        }
        return .success(identity)
    }
}
