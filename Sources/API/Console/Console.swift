import Auth
import Foundation
import Hummingbird
import Logging
import NIOCore
import Node
import Sequencer

/// The console's request handling: sign-in, sign-out, the gate in front of every page, and exports.
struct Console: Sendable {
    let chain: Chain
    let resources: AdminResources
    let authenticator: any CallerAuthenticator
    let sessions: ConsoleSessions
    let rateLimiter: LoginRateLimiter
    let secureCookie: Bool
    let logger: Logger

    // MARK: - Sign-in and sign-out

    func signInForm(_ request: Request, message: String? = nil, status: HTTPResponse.Status = .ok) async -> Response {
        if message == nil, await session(request) != nil { return ConsoleResponse.redirect(to: "/console/overview") }
        let formToken = ConsoleSessions.randomToken()
        let returnPath = ConsoleQuery.safeReturnPath(request.uri.queryParameters["next"].map(String.init))
        let page = ConsoleLayout.signIn(formToken: formToken, returnPath: returnPath, message: message)
        let cookie = ConsoleResponse.cookie(ConsoleRoutes.signInCookie, formToken, maxAge: 1800, secure: secureCookie)
        return ConsoleResponse.html(page, status: status, cookies: [cookie])
    }

    func signIn(_ request: Request, context: NodeRequestContext) async -> Response {
        let source = context.remoteAddress?.ipAddress ?? "unknown"
        do throws(AuthError) {
            try await rateLimiter.check(source: source)
        } catch {
            return await refuseSignIn(
                request, source: source, status: .tooManyRequests, message: error.description, record: false)
        }
        if let refusal = crossSiteRefusal(request) {
            return await refuseSignIn(request, source: source, status: .forbidden, message: refusal, record: true)
        }
        guard let body = try? await request.body.collect(upTo: 16_384) else {
            return await refuseSignIn(
                request, source: source, status: .contentTooLarge, message: "the form is too large", record: true)
        }
        let form = ConsoleQuery.form(body)
        guard let cookie = ConsoleResponse.cookieValue(ConsoleRoutes.signInCookie, in: request),
            let field = form["form_token"],
            ConsoleSessions.sameSecret(cookie, field)
        else {
            return await refuseSignIn(
                request, source: source, status: .forbidden,
                message:
                    "this sign-in form has expired or did not come from this console: reload the page and sign in again",
                record: true)
        }
        let credential = (form["credential"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !credential.isEmpty else {
            return await refuseSignIn(
                request, source: source, status: .badRequest,
                message: "enter an API key or a token from 'cloister auth login'", record: false)
        }
        let caller: CallerIdentity
        switch await authenticator.authenticate(authorization: "Bearer " + credential, source: source) {
        case .success(let identity): caller = identity
        case .failure(let failure):
            return await refuseSignIn(
                request, source: source, status: .unauthorized, message: failure.message, record: true)
        }
        guard caller.mayReadAdmin else {
            await audit(
                .loginFailed, actor: caller.name, outcome: "deny",
                detail: "console sign-in from \(source) refused: lacks admin_read")
            return ConsoleResponse.html(ConsoleLayout.refusal(member: caller.name), status: .forbidden)
        }
        await rateLimiter.recordSuccess(source: source)
        // A new session every sign-in (no fixation); one this browser held before is ended.
        if let previous = ConsoleResponse.cookieValue(ConsoleRoutes.sessionCookie, in: request) {
            await sessions.close(previous)
        }
        let (token, _) = await sessions.open(for: caller)
        await audit(.loginSucceeded, actor: caller.name, outcome: "allow", detail: "console sign-in from \(source)")
        return ConsoleResponse.redirect(
            to: ConsoleQuery.safeReturnPath(form["next"]),
            cookies: [
                ConsoleResponse.cookie(
                    ConsoleRoutes.sessionCookie, token, maxAge: Int(sessions.maxLifetime), secure: secureCookie),
                ConsoleResponse.cookie(ConsoleRoutes.signInCookie, "", maxAge: 0, secure: secureCookie),
            ])
    }

    private func refuseSignIn(
        _ request: Request, source: String, status: HTTPResponse.Status, message: String, record: Bool
    ) async -> Response {
        if record {
            await rateLimiter.recordFailure(source: source)
            await audit(
                .loginFailed, actor: nil, outcome: "deny", detail: "console sign-in from \(source) refused: \(message)")
            logger.notice("console sign-in refused", metadata: ["source": "\(source)", "reason": "\(message)"])
        }
        return await signInForm(request, message: message, status: status)
    }

    func signOut(_ request: Request) async -> Response {
        let clear = ConsoleResponse.cookie(ConsoleRoutes.sessionCookie, "", maxAge: 0, secure: secureCookie)
        guard let token = ConsoleResponse.cookieValue(ConsoleRoutes.sessionCookie, in: request),
            let session = await sessions.use(token)
        else { return ConsoleResponse.redirect(to: ConsoleRoutes.signInPath, cookies: [clear]) }
        let form = (try? await request.body.collect(upTo: 4_096)).map(ConsoleQuery.form) ?? [:]
        guard crossSiteRefusal(request) == nil, let field = form["form_token"],
            ConsoleSessions.sameSecret(field, session.formToken)
        else {
            let view = ConsoleView(
                title: "Sign-out refused",
                content: [.element("p", "This sign-out did not come from this console's own form.")],
                status: .forbidden)
            return ConsoleResponse.html(
                ConsoleLayout.page(view, caller: session.caller, formToken: session.formToken), status: .forbidden)
        }
        await sessions.close(token)
        return ConsoleResponse.redirect(to: ConsoleRoutes.signInPath, cookies: [clear])
    }

    /// Why a POST is refused as cross-site, or nil. SameSite=Strict keeps the session cookie off
    /// other sites' requests; this also refuses what the browser marks as coming from elsewhere.
    /// (`Origin: null` is what a browser sends for our own forms under `Referrer-Policy: no-referrer`.)
    func crossSiteRefusal(_ request: Request) -> String? {
        if let site = request.headers[ConsoleResponse.fetchSite], site != "same-origin", site != "none" {
            return "the form was sent from another site (\(site)): sign in from this console's own page"
        }
        if let origin = request.headers[ConsoleResponse.origin], origin != "null" {
            let authority = request.head.authority ?? ""
            guard origin == "http://" + authority || origin == "https://" + authority else {
                return "the form was sent from \(origin), not from this console: sign in from this console's own page"
            }
        }
        return nil
    }

    // MARK: - Pages

    /// The session behind the request's cookie, with its caller re-checked against the policy in force.
    func session(_ request: Request) async -> (token: String, session: ConsoleSessions.Session)? {
        guard let token = ConsoleResponse.cookieValue(ConsoleRoutes.sessionCookie, in: request),
            let session = await sessions.use(token)
        else { return nil }
        return (token, session)
    }

    /// The caller as the policy in force sees them now: a member suspended or stripped of
    /// `admin_read` since sign-in loses the console at their next request.
    func currentCaller(_ session: ConsoleSessions.Session) -> CallerIdentity? {
        guard let policy = chain.currentPolicy else { return session.caller.mayReadAdmin ? session.caller : nil }
        let member = policy.members.first { $0.name == session.caller.name }
        guard case .success(let identity) = PolicyAuthenticator.identity(policy: policy, member: member, fallback: nil),
            identity.mayReadAdmin
        else { return nil }
        return identity
    }

    func serve(_ page: ConsolePage, request: Request, context: NodeRequestContext) async -> Response {
        let target = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        let source = context.remoteAddress?.ipAddress ?? "unknown"
        let detail = "GET \(target) from \(source) (console)"
        guard let (token, session) = await session(request) else {
            await audit(.adminRead, actor: nil, outcome: "unauthenticated", detail: detail)
            let next = ConsoleQuery.safeReturnPath(target)
            return ConsoleResponse.redirect(to: ConsoleLink(["console", "sign-in"], query: [("next", next)]).url)
        }
        guard let caller = currentCaller(session) else {
            await sessions.close(token)
            await audit(.adminRead, actor: session.caller.name, outcome: "deny", detail: detail)
            return ConsoleResponse.html(ConsoleLayout.refusal(member: session.caller.name), status: .forbidden)
        }
        var pathValues: [String: String] = [:]
        for (name, value) in context.parameters { pathValues[String(name)] = String(value) }
        var view: ConsoleView
        var outcome = "allow"
        do {
            let values = try ConsoleQuery.values(request)
            view = try await page.render(
                ConsolePageRequest(
                    chain: chain, resources: resources, caller: caller, query: values, pathValues: pathValues))
        } catch let failure as AdminFailure {
            outcome = "invalid"
            view = ConsoleView(
                title: "Cannot show this", content: [.element("p", [.class("error")], failure.message)], count: 0)
            view.status = failure.status
        } catch {
            outcome = "error"
            view = ConsoleView(
                title: "Cannot show this",
                content: [.element("p", [.class("error")], "the node could not read its records: \(error)")],
                count: 0, status: .internalServerError)
        }
        await audit(.adminRead, actor: caller.name, outcome: outcome, count: view.count, detail: detail)
        return ConsoleResponse.html(
            ConsoleLayout.page(view, caller: caller, formToken: session.formToken), status: view.status)
    }

    // MARK: - Exports

    /// The admin API's exports (`/admin/v1/exports/{name}`) for a console session: same filters,
    /// same streaming, audited when the export ends with the number of records sent.
    func export(_ request: Request, context: NodeRequestContext) async -> Response {
        let name = context.parameters.get("name") ?? ""
        let target = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        let source = context.remoteAddress?.ipAddress ?? "unknown"
        guard let route = AdminCatalog.routes.first(where: { $0.path == "\(AdminCatalog.prefix)/exports/\(name)" })
        else {
            return await serve(ConsolePages.notFound, request: request, context: context)
        }
        guard let (_, session) = await session(request), let caller = currentCaller(session) else {
            // The gate answers as for any page: signed out → sign-in, access lost → refusal.
            return await serve(ConsolePages.notFound, request: request, context: context)
        }
        do {
            let query = try ConsoleQuery.adminQuery(
                route: route, values: try ConsoleQuery.values(request), pathValues: [:])
            guard case .stream(let export) = try await route.handler(resources, query) else {
                throw AdminFailure.notFound(name)
            }
            let chain = self.chain
            let body = ResponseBody { writer in
                let count = try await export.write(&writer)
                try await writer.finish(nil)
                await chain.audit(
                    AuditEntry(
                        kind: .adminRead, time: UInt64(Date().timeIntervalSince1970 * 1000), actor: caller.name,
                        outcome: "allow",
                        count: count, detail: "GET \(target) from \(source) (console export)"))
            }
            return ConsoleResponse.secured(
                Response(
                    status: .ok,
                    headers: [
                        .contentType: export.contentType,
                        .contentDisposition: "attachment; filename=\"\(export.fileName)\"",
                    ],
                    body: body))
        } catch {
            let message = (error as? AdminFailure)?.message ?? "the node could not read its records: \(error)"
            await audit(
                .adminRead, actor: caller.name, outcome: "invalid",
                detail: "GET \(target) from \(source) (console export)")
            let view = ConsoleView(
                title: "Cannot export this", content: [.element("p", [.class("error")], message)], count: 0)
            return ConsoleResponse.html(
                ConsoleLayout.page(view, caller: caller, formToken: session.formToken), status: .badRequest)
        }
    }

    func audit(_ kind: AuditEntry.Kind, actor: String?, outcome: String, count: Int? = nil, detail: String) async {
        await chain.audit(
            AuditEntry(
                kind: kind, time: UInt64(Date().timeIntervalSince1970 * 1000), actor: actor, outcome: outcome,
                count: count, detail: detail))
    }
}
