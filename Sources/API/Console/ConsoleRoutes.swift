import Auth
import Foundation
import Hummingbird
import Logging
import NIOCore
import Node
import Sequencer

/// The read-only audit console under `/console/` on the admin listener (docs/CONSOLE.md):
/// the admin API's answers as server-rendered pages, for the same callers.
///
/// Sign-in takes what the admin API takes (an API key, a wallet session token, an OIDC token),
/// checked by the same authenticator, and admits `admin_read` or `read_all` only; it is
/// exchanged for a session cookie. The only POSTs are sign-in and sign-out; every GET only reads.
/// Every page view is an `admin-read` audit entry, like an admin API read.
enum ConsoleRoutes {
    static let sessionCookie = "cloister_console"
    /// The double-submit token of the sign-in form, set before anyone is signed in.
    static let signInCookie = "cloister_console_signin"
    static let signInPath = "/console/sign-in"
    static let signOutPath = "/console/sign-out"
    /// The only paths on the admin listener that take a POST.
    static let postPaths: Set<String> = [signInPath, signOutPath]

    static func install(
        on router: Router<NodeRequestContext>, chain: Chain, authenticator: some CallerAuthenticator, logger: Logger
    ) {
        let settings = chain.config.console
        guard settings.enabled else { return }
        let console = Console(
            chain: chain, resources: AdminResources(chain: chain), authenticator: authenticator,
            sessions: ConsoleSessions(
                idleTimeout: TimeInterval(settings.idleMinutes * 60),
                maxLifetime: TimeInterval(settings.sessionHours * 3600)),
            rateLimiter: LoginRateLimiter(), secureCookie: settings.secureCookie, logger: logger)
        router.get(RouterPath(signInPath)) { request, _ in await console.signInForm(request) }
        router.post(RouterPath(signInPath)) { request, context in await console.signIn(request, context: context) }
        router.post(RouterPath(signOutPath)) { request, _ in await console.signOut(request) }
        router.get("/console/static/console.css") { _, _ in
            ConsoleResponse.secured(
                Response(
                    status: .ok, headers: [.contentType: "text/css; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: ConsoleStyle.css))))
        }
        for page in ConsolePages.all {
            router.get(RouterPath(page.path)) { request, context in
                await console.serve(page, request: request, context: context)
            }
        }
        router.get("/console/export/:name") { request, context in await console.export(request, context: context) }
        router.get("/console") { _, _ in ConsoleResponse.redirect(to: "/console/overview") }
        router.get("/console/**") { request, context in
            await console.serve(ConsolePages.notFound, request: request, context: context)
        }
    }
}

/// One page: its route and how it is drawn from the admin resources.
struct ConsolePage: Sendable {
    let path: String
    let render: @Sendable (ConsolePageRequest) async throws -> ConsoleView
}

/// What a page handler is given: the request's query and path values, the caller, and the
/// same resources the admin API answers from.
struct ConsolePageRequest: Sendable {
    let chain: Chain
    let resources: AdminResources
    let caller: CallerIdentity
    /// Query parameters with empty values dropped (an empty filter field means no filter).
    let query: [String: String]
    let pathValues: [String: String]

    /// The admin query for `route`: the same names and validation as the admin API.
    func adminQuery(_ route: AdminRoute, extra: [String: String] = [:]) throws(AdminFailure) -> AdminQuery {
        try ConsoleQuery.adminQuery(
            route: route, values: query.merging(extra) { _, new in new }, pathValues: pathValues)
    }
}

/// A rendered page: title, content and how many records it shows (for the audit entry).
struct ConsoleView: Sendable {
    var title: String
    var content: [HTML]
    var count: Int = 1
    var status: HTTPResponse.Status = .ok
}

enum ConsoleQuery {
    /// Builds an `AdminQuery` for `route` from form values: empty values are dropped (a blank
    /// filter field), names the route does not take are refused as the admin API refuses them.
    static func adminQuery(
        route: AdminRoute, values: [String: String], pathValues: [String: String]
    ) throws(AdminFailure) -> AdminQuery {
        var selected: [String: String] = [:]
        let names = Set(route.parameters.filter { $0.location == .query }.map(\.name))
        for (name, value) in values where !value.isEmpty {
            guard names.contains(name) else {
                throw .badRequest(
                    "unknown filter '\(name)'; this page takes: " + names.sorted().joined(separator: ", "))
            }
            selected[name] = value
        }
        for parameter in route.parameters where parameter.location == .path {
            guard let value = pathValues[parameter.name] else { throw .badRequest("missing \(parameter.name)") }
            selected[parameter.name] = value
        }
        return AdminQuery(values: selected)
    }

    static func values(_ request: Request) throws(AdminFailure) -> [String: String] {
        var values: [String: String] = [:]
        for (key, value) in request.uri.queryParameters {
            let name = String(key)
            guard values[name] == nil else { throw .badRequest("'\(name)' is given twice") }
            values[name] = String(value)
        }
        return values.filter { !$0.value.isEmpty }
    }

    /// `application/x-www-form-urlencoded` fields.
    static func form(_ body: ByteBuffer) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(buffer: body).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            let name = decode(parts[0])
            if fields[name] == nil { fields[name] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return fields
    }

    /// The console page to return to after sign-in: only a path under `/console/`, never
    /// another site (`//host`), a backslash trick, or the sign-in page itself.
    static func safeReturnPath(_ value: String?) -> String {
        guard let value, value.hasPrefix("/console/"), !value.contains("//"), !value.contains("\\"),
            !value.hasPrefix(ConsoleRoutes.signInPath),
            value.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f })
        else { return "/console/overview" }
        return value
    }
}
