import Foundation
import Hummingbird
import Logging
import NIOCore
import Node
import Primitives
import Sequencer

/// The admin and audit API: a separate, read-only listener (`/admin/v1/…` and `/metrics`).
///
/// Every route is declared once in `AdminCatalog`, which both registers it here and describes
/// it in the OpenAPI document, so the two cannot drift. Callers need `admin_read` or
/// `read_all`; every read, allowed or refused, becomes an audit entry (who, what, how many).
public enum AdminRoutes {
    public static func install(
        on router: Router<NodeRequestContext>, chain: Chain, authenticator: some CallerAuthenticator, logger: Logger
    ) {
        router.add(middleware: ReadOnlyMiddleware())
        let resources = AdminResources(chain: chain)
        let metrics = chain.nodeMetrics
        for route in AdminCatalog.routes {
            router.get(RouterPath(route.routerPath)) { request, context -> Response in
                await serve(
                    route, request: request, context: context, chain: chain, metrics: metrics, authenticator: authenticator,
                    resources: resources)
            }
        }
        router.get(RouterPath(AdminCatalog.openAPIPath)) { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: AdminOpenAPI.document.serialized)))
        }
        router.get("/metrics") { _, _ -> Response in
            metrics.mempoolSize(await chain.pendingCount)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
        ConsoleRoutes.install(on: router, chain: chain, authenticator: authenticator, logger: logger)
    }

    static func serve(
        _ route: AdminRoute, request: Request, context: NodeRequestContext, chain: Chain, metrics: NodeMetrics,
        authenticator: some CallerAuthenticator, resources: AdminResources
    ) async -> Response {
        let started = ContinuousClock.now
        let target = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        let source = context.remoteAddress?.ipAddress ?? "unknown"
        func finish(_ response: Response, caller: String?, outcome: String, count: Int?) async -> Response {
            metrics.request(
                api: "admin", method: route.name, outcome: String(response.status.code), duration: ContinuousClock.now - started)
            await chain.audit(
                AuditEntry(
                    kind: .adminRead, time: UInt64(Date().timeIntervalSince1970 * 1000), actor: caller, outcome: outcome, count: count,
                    detail: "GET \(target) from \(source)"))
            return response
        }

        let caller: CallerIdentity
        switch await authenticator.authenticate(authorization: request.headers[.authorization], source: source) {
        case .success(let identity): caller = identity
        case .failure(let failure):
            var response = AdminFailure(.unauthorized, failure.message).response
            response.headers[.wwwAuthenticate] = "Bearer"
            if let retry = failure.retryAfterSeconds { response.headers[.retryAfter] = String(retry) }
            return await finish(response, caller: nil, outcome: "unauthenticated", count: nil)
        }
        guard caller.mayReadAdmin else {
            let failure = AdminFailure(
                .forbidden, "member \(caller.name) lacks admin_read: the admin API is for auditors and the operator's compliance team")
            return await finish(failure.response, caller: caller.name, outcome: "deny", count: nil)
        }
        do {
            var query = try AdminQuery(request: request, context: context, route: route)
            query.caller = caller.name
            switch try await route.handler(resources, query) {
            case .json(let value, let count):
                let response = Response(
                    status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: value.serialized)))
                return await finish(response, caller: caller.name, outcome: "allow", count: count)
            case .stream(let export):
                // Exports are audited when they end, with the number of records actually sent.
                metrics.request(api: "admin", method: route.name, outcome: "200", duration: ContinuousClock.now - started)
                let name = caller.name
                let body = ResponseBody { writer in
                    let count = try await export.write(&writer)
                    try await writer.finish(nil)
                    await chain.audit(
                        AuditEntry(
                            kind: .adminRead, time: UInt64(Date().timeIntervalSince1970 * 1000), actor: name, outcome: "allow",
                            count: count, detail: "GET \(target) from \(source) (export)"))
                }
                return Response(
                    status: .ok,
                    headers: [.contentType: export.contentType, .contentDisposition: "attachment; filename=\"\(export.fileName)\""],
                    body: body)
            }
        } catch let failure as AdminFailure {
            return await finish(failure.response, caller: caller.name, outcome: "invalid", count: nil)
        } catch {
            let failure = AdminFailure(.internalServerError, "the node could not read its records: \(error)")
            return await finish(failure.response, caller: caller.name, outcome: "error", count: nil)
        }
    }
}

/// The admin listener changes nothing: any method but GET (and HEAD) is answered 405, except
/// the console's sign-in and sign-out forms (a session is the only thing a POST changes).
struct ReadOnlyMiddleware: RouterMiddleware {
    typealias Context = NodeRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let consoleForm = request.method == .post && ConsoleRoutes.postPaths.contains(request.uri.path)
        guard request.method == .get || request.method == .head || consoleForm else {
            var response = AdminFailure(.methodNotAllowed, "the admin API is read-only: use GET").response
            response.headers[.allow] = "GET"
            return response
        }
        return try await next(request, context)
    }
}

/// A refusal with the status and a message a person can act on.
struct AdminFailure: Error {
    var status: HTTPResponse.Status
    var message: String

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    static func badRequest(_ message: String) -> AdminFailure { AdminFailure(.badRequest, message) }
    static func notFound(_ message: String) -> AdminFailure { AdminFailure(.notFound, message) }

    var response: Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: JSON.object([("error", .string(message))]).serialized)))
    }
}

/// What a route handler returns: one JSON document (with the number of records in it, for
/// the audit entry), or an export streamed record by record.
enum AdminAnswer {
    case json(JSON, count: Int)
    case stream(AdminExport)
}

/// A request's validated parameters. Unknown query parameters are refused, so a misspelt
/// filter (`from_blok`) is an error rather than a silently unfiltered answer.
struct AdminQuery: Sendable {
    let values: [String: String]
    /// Who asked (for resources that audit more than the read itself, such as disclosures).
    var caller = ""

    init(values: [String: String]) { self.values = values }

    init(request: Request, context: NodeRequestContext, route: AdminRoute) throws(AdminFailure) {
        var values: [String: String] = [:]
        let allowed = Dictionary(uniqueKeysWithValues: route.parameters.map { ($0.name, $0) })
        for (key, value) in request.uri.queryParameters {
            let name = String(key)
            guard let parameter = allowed[name], parameter.location == .query else {
                let known = route.parameters.filter { $0.location == .query }.map(\.name)
                throw .badRequest(
                    "unknown query parameter '\(name)'" + (known.isEmpty ? "" : "; this resource takes: " + known.joined(separator: ", ")))
            }
            guard values[name] == nil else { throw .badRequest("query parameter '\(name)' is given twice") }
            guard !value.isEmpty else { throw .badRequest("query parameter '\(name)' is empty: give a value or leave it out") }
            values[name] = String(value)
        }
        for parameter in route.parameters where parameter.location == .path {
            guard let value = context.parameters.get(parameter.name) else { throw .badRequest("missing \(parameter.name)") }
            values[parameter.name] = value
        }
        self.values = values
    }

    func string(_ name: String) -> String? { values[name] }

    func integer(_ name: String) throws(AdminFailure) -> UInt64? {
        guard let text = values[name] else { return nil }
        guard let value = UInt64(text) else { throw .badRequest("\(name) must be a non-negative integer, got '\(text)'") }
        return value
    }

    func requiredInteger(_ name: String) throws(AdminFailure) -> UInt64 {
        guard let value = try integer(name) else { throw .badRequest("\(name) is required") }
        return value
    }

    func address(_ name: String) throws(AdminFailure) -> Address? {
        guard let text = values[name] else { return nil }
        return try Self.address(text, name: name)
    }

    /// Reads need no checksum protection (nothing is sent to the address), so any letter case is accepted.
    static func address(_ text: String, name: String) throws(AdminFailure) -> Address {
        do { return try Address(hex: text.lowercased()) } catch {
            throw .badRequest("\(name) must be a 0x-prefixed 20-byte address: \(error)")
        }
    }

    func hash(_ name: String) throws(AdminFailure) -> Hash32? {
        guard let text = values[name] else { return nil }
        do { return try Hash32(hex: text) } catch { throw .badRequest("\(name) must be a 0x-prefixed 32-byte hash: \(error)") }
    }

    /// Page size: 1…1000, 100 when absent.
    func limit() throws(AdminFailure) -> Int {
        guard let value = try integer("limit") else { return 100 }
        guard (1...1000).contains(value) else { throw .badRequest("limit must be between 1 and 1000, got \(value)") }
        return Int(value)
    }

    func oneOf(_ name: String, _ choices: [String]) throws(AdminFailure) -> String? {
        guard let text = values[name] else { return nil }
        guard choices.contains(text) else { throw .badRequest("\(name) must be one of \(choices.joined(separator: ", ")), got '\(text)'") }
        return text
    }
}
