import API
import Auth
import Foundation
import Node
import NodeTestSupport
import Policy
import Primitives
import Sequencer
import Testing

@testable import API

/// The audit console on the admin listener: who gets in, how the session behaves, and that
/// every response is escaped and carries the security headers. Real HTTP on loopback.
@Suite(.serialized) struct ConsoleTests {
    static let auditorKey = "clk_console-auditor"
    static let aliceKey = "clk_console-alice"
    static let hostileName = "<script>alert(1)</script>"

    let fixture: ChainFixture
    let auditor = PrivateKey.generate()

    init() throws { fixture = try ChainFixture(maxBlocksPerBatch: 2) }

    init(adminSettings: String) throws {
        fixture = try ChainFixture(maxBlocksPerBatch: 2, adminSettings: adminSettings)
    }

    func policy(auditorRoles: [String] = ["auditor"], folder: String = "policy") throws -> CompiledPolicy {
        let members = PolicyFiles.members(
            [.bankA, .init("audit-co", "Audit Co")],
            [
                .init("alice", address: fixture.alice.address, apiKeySHA256: APIKeys.hash(Self.aliceKey).hex),
                .init(Self.hostileName, address: fixture.bob.address),
                .init("carol", address: fixture.carol.address),
                .init(
                    "auditor", address: auditor.address, organisation: "audit-co", roles: auditorRoles, kycTier: 1,
                    apiKeySHA256: APIKeys.hash(Self.auditorKey).hex),
            ])
        let roles = """
            [role.trader]
            grants = [{ asset = "*", ops = ["transfer", "read"] }]
            [role.auditor]
            system = ["read_all", "admin_read"]
            [[rule]]
            id = "eurd-max-transfer"
            kind = "transfer_amount"
            asset = "EURD"
            max = "1000"
            """
        return try PolicyFiles.compile(
            ["policy.toml": members + roles], into: fixture.directory + "/" + folder, tokens: fixture.config.tokens)
    }

    func start() async throws -> InProcessNode {
        try await Self.start(fixture, policy: try policy())
    }

    static func start(_ fixture: ChainFixture, policy: CompiledPolicy) async throws -> InProcessNode {
        try await InProcessNode.start(fixture, policy: policy) { routers, chain in
            MemberAPI.install(on: routers.member, admin: routers.admin, chain: chain, logger: .init(label: "api"))
        }
    }

    /// Submits `raw` and waits until a block includes it (the node's block production runs on its own).
    func included(_ node: InProcessNode, _ raw: [UInt8]) async throws -> IncludedTransaction? {
        let hash = try await node.chain.submit(raw: raw)
        for _ in 0..<500 {
            if let transaction = try node.chain.transaction(hash: hash) { return transaction }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Every console response must carry these, whatever its status.
    func expectSecurityHeaders(_ page: ConsoleClient.Page, _ path: String) {
        #expect(page.header("Content-Security-Policy") == ConsoleResponse.contentSecurityPolicy, "CSP on \(path)")
        #expect(page.header("X-Content-Type-Options") == "nosniff", "nosniff on \(path)")
        #expect(page.header("Referrer-Policy") == "no-referrer", "Referrer-Policy on \(path)")
        #expect(page.header("Cache-Control") == "no-store", "Cache-Control on \(path)")
    }

    // MARK: - Sign-in

    @Test func auditorSignsInWithAnAPIKeyAndGetsAStrictSessionCookie() async throws {
        let node = try await start()
        defer { Task { await node.stop() } }
        let browser = ConsoleClient(node)
        let signedIn = try await browser.signIn(Self.auditorKey, next: "/console/transactions")
        #expect(signedIn.status == 303)
        #expect(signedIn.header("Location") == "/console/transactions")
        let cookie = try #require(signedIn.setCookies.first { $0.hasPrefix(ConsoleRoutes.sessionCookie + "=") })
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
            #expect(cookie.contains(attribute), "\(cookie)")
        }
        #expect(!cookie.contains("Secure"), "the admin listener speaks plain HTTP unless console_secure_cookie is set")
        let page = try await browser.get("/console/transactions")
        #expect(page.status == 200)
        #expect(page.body.contains("Signed in as auditor"))
        for root in ["/console", "/console/"] {
            let start = try await browser.get(root)
            #expect(start.status == 303 && start.header("Location") == "/console/overview", "\(root)")
        }
    }

    @Test func theCookieIsSecureWhenTheConsoleIsServedOverTLS() async throws {
        let suite = try ConsoleTests(adminSettings: "console_secure_cookie = true")
        let node = try await suite.start()
        defer { Task { await node.stop() } }
        let browser = ConsoleClient(node)
        let signedIn = try await browser.signIn(Self.auditorKey)
        let cookie = try #require(signedIn.setCookies.first { $0.hasPrefix(ConsoleRoutes.sessionCookie + "=") })
        #expect(cookie.hasSuffix("; Secure"), "\(cookie)")
    }

    @Test func aNodeWithTheConsoleOffServesNoConsole() async throws {
        let suite = try ConsoleTests(adminSettings: "console = false")
        let node = try await suite.start()
        defer { Task { await node.stop() } }
        let browser = ConsoleClient(node)
        for path in ["/console/sign-in", "/console/overview"] {
            #expect(try await browser.get(path).status == 404, "\(path)")
        }
        #expect(try await browser.post("/console/sign-in", [("credential", Self.auditorKey)]).status == 404)
        #expect(try await node.admin("/admin/v1/status", token: Self.auditorKey).status == 200)
    }

    @Test func aWrongKeyIsRefusedAndOpensNoSession() async throws {
        let node = try await start()
        defer { Task { await node.stop() } }
        let browser = ConsoleClient(node)
        let refused = try await browser.signIn("clk_not-a-key-of-this-chain")
        #expect(refused.status == 401)
        #expect(refused.body.contains("these credentials belong to no member of this chain"))
        #expect(browser.cookies[ConsoleRoutes.sessionCookie] == nil)
        #expect(try await browser.get("/console/overview").status == 303)
        try await node.chain.produceBlock()
        let failures = try node.chain.auditEntries().filter { $0.kind == .loginFailed }
        #expect(failures.contains { $0.detail.contains("console sign-in") })
    }

    @Test func aMemberWithoutAdminReadIsRefusedWith403() async throws {
        let node = try await start()
        defer { Task { await node.stop() } }
        let browser = ConsoleClient(node)
        let refused = try await browser.signIn(Self.aliceKey)
        #expect(refused.status == 403)
        #expect(refused.body.contains("Member alice lacks admin_read"))
        #expect(browser.cookies[ConsoleRoutes.sessionCookie] == nil)
        expectSecurityHeaders(refused, "the refusal page")
    }

    @Test func signInRefusesAFormFromAnotherSiteOrWithoutItsToken() async throws {
        let node = try await start()
        defer { Task { await node.stop() } }
        let browser = ConsoleClient(node)
        let form = try await browser.get("/console/sign-in")
        let token = try #require(form.hiddenField("form_token"))
        // No form token at all, a wrong one, another site's Origin, a cross-site fetch.
        let attempts: [([(String, String)], [String: String])] = [
            ([("credential", Self.auditorKey)], [:]),
            ([("form_token", String(repeating: "0", count: 64)), ("credential", Self.auditorKey)], [:]),
            ([("form_token", token), ("credential", Self.auditorKey)], ["Origin": "http://evil.example"]),
            ([("form_token", token), ("credential", Self.auditorKey)], ["Sec-Fetch-Site": "cross-site"]),
        ]
        for (fields, headers) in attempts {
            let refused = try await browser.post("/console/sign-in", fields, headers: headers)
            #expect(refused.status == 403, "\(fields.map(\.0)) \(headers)")
            #expect(browser.cookies[ConsoleRoutes.sessionCookie] == nil)
        }
    }

    @Test func signInNeverRedirectsOffTheConsole() async throws {
        let node = try await start()
        defer { Task { await node.stop() } }
        for next in ["//evil.example/console/", "https://evil.example/", "/console/\\evil", "/admin/v1/status"] {
            let browser = ConsoleClient(node)
            let form = try await browser.get("/console/sign-in")
            let signedIn = try await browser.post(
                "/console/sign-in",
                [
                    ("form_token", try #require(form.hiddenField("form_token"))), ("credential", Self.auditorKey),
                    ("next", next),
                ])
            #expect(signedIn.status == 303)
            #expect(signedIn.header("Location") == "/console/overview", "next=\(next)")
        }
    }

    // MARK: - Sessions

    @Test func aSignedOutBrowserIsSentToSignInFromEveryPage() async throws {
        let node = try await start()
        defer { Task { await node.stop() } }
        let browser = ConsoleClient(node)
        for path in [
            "/console/overview", "/console/transactions?member=alice", "/console/policy", "/console/no-such-page",
            "/console/export/transactions?format=csv",
        ] {
            let page = try await browser.get(path)
            #expect(page.status == 303, "\(path)")
            #expect(
                page.header("Location")?.hasPrefix("/console/sign-in?next=") == true,
                "\(path): \(page.header("Location") ?? "")")
            expectSecurityHeaders(page, path)
        }
    }

    @Test func signOutEndsTheSessionAndNeedsTheFormToken() async throws {
        let node = try await start()
        defer { Task { await node.stop() } }
        let browser = ConsoleClient(node)
        _ = try await browser.signIn(Self.auditorKey)
        let overview = try await browser.get("/console/overview")
        let token = try #require(overview.hiddenField("form_token"))
        let session = try #require(browser.cookies[ConsoleRoutes.sessionCookie])
        #expect(try await browser.post("/console/sign-out", []).status == 403)
        #expect(try await browser.get("/console/overview").status == 200, "a refused sign-out leaves the session")
        let signedOut = try await browser.post("/console/sign-out", [("form_token", token)])
        #expect(signedOut.status == 303)
        #expect(browser.cookies[ConsoleRoutes.sessionCookie] == nil)
        // The old cookie, replayed, is worth nothing.
        let replay = ConsoleClient(node)
        _ = try await replay.get("/console/sign-in")
        let page = try await replay.send(
            "/console/overview", method: "GET", body: nil,
            headers: ["Cookie": "\(ConsoleRoutes.sessionCookie)=\(session)"])
        #expect(page.status == 303)
    }

    @Test func sessionsEndAfterTheIdleTimeAndTheAbsoluteLifetime() async {
        let clock = ManualClock()
        let sessions = ConsoleSessions(idleTimeout: 60, maxLifetime: 300, now: { clock.now })
        let caller = CallerIdentity(name: "auditor", addresses: [], adminRead: true)
        let (idle, _) = await sessions.open(for: caller)
        clock.advance(59)
        #expect(await sessions.use(idle) != nil, "used within the idle time")
        clock.advance(60)
        #expect(await sessions.use(idle) == nil, "idle for 60 s")
        let (busy, _) = await sessions.open(for: caller)
        for _ in 0..<5 {
            clock.advance(50)
            #expect(await sessions.use(busy) != nil)
        }
        clock.advance(50)
        #expect(await sessions.use(busy) == nil, "300 s after sign-in, however busy")
        #expect(await sessions.use("not-a-token") == nil)
    }

    @Test func aMemberWhoLosesAdminReadLosesTheConsoleAtTheNextRequest() async throws {
        let node = try await start()
        defer { Task { await node.stop() } }
        let browser = ConsoleClient(node)
        _ = try await browser.signIn(Self.auditorKey)
        #expect(try await browser.get("/console/overview").status == 200)
        try await node.chain.applyPolicy(try policy(auditorRoles: ["trader"], folder: "demoted"))
        let refused = try await browser.get("/console/overview")
        #expect(refused.status == 403)
        #expect(try await browser.get("/console/overview").status == 303, "the session was ended")
    }

    @Test func aGetNeverChangesState() async throws {
        let node = try await start()
        defer { Task { await node.stop() } }
        let browser = ConsoleClient(node)
        // A sign-in by GET opens nothing.
        let viaGet = try await browser.get("/console/sign-in?credential=\(Self.auditorKey)")
        #expect(viaGet.status == 200)
        #expect(!viaGet.setCookies.contains { $0.hasPrefix(ConsoleRoutes.sessionCookie + "=") })
        _ = try await browser.signIn(Self.auditorKey)
        let token = try #require(try await browser.get("/console/overview").hiddenField("form_token"))
        // A sign-out by GET ends nothing.
        _ = try await browser.get("/console/sign-out?form_token=\(token)")
        #expect(try await browser.get("/console/overview").status == 200)
        // Other methods stay refused on console paths.
        for method in ["PUT", "DELETE", "PATCH"] {
            #expect(
                try await browser.send("/console/overview", method: method, body: Data(), headers: [:]).status == 405)
        }
    }

    // MARK: - Pages

    @Test func everyPageIsEscapedAndCarriesTheSecurityHeaders() async throws {
        let node = try await start()
        defer { Task { await node.stop() } }
        let transaction = try #require(
            try await included(
                node, fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 7, nonce: 0)))
        let policyHash = try #require(node.chain.currentPolicy?.hash.hex)
        let browser = ConsoleClient(node)
        expectSecurityHeaders(try await browser.get("/console/sign-in"), "/console/sign-in")
        _ = try await browser.signIn(Self.auditorKey)
        let pages = [
            "/console/overview", "/console/transactions",
            "/console/transactions?member=\(ConsoleLink.encode(Self.hostileName))",
            "/console/transactions/\(transaction.hash.hex)", "/console/policy", "/console/policy/\(policyHash)",
            "/console/policy/\(policyHash)?compare=\(policyHash)", "/console/no-such-page",
            "/console/static/console.css",
            "/console/transactions?from_block=x", "/console/batches", "/console/accounts", "/console/tokens",
            "/console/audit",
            "/console/audit?kind=admin-read", "/console/audit/verify", "/console/decisions",
            "/console/decisions?rule=eurd-max-transfer&outcome=deny",
        ]
        for path in pages {
            let page = try await browser.get(path)
            #expect([200, 400, 404].contains(page.status), "\(path): \(page.status)")
            expectSecurityHeaders(page, path)
            #expect(!page.body.contains("<script"), "\(path) holds a script element")
            if path.hasPrefix("/console/transactions") && page.status == 200 && !path.contains("member=") {
                #expect(
                    page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "\(path) shows the member name as text"
                )
            }
        }
        let accounts = try await browser.get("/console/accounts")
        #expect(
            accounts.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "accounts show bob's member name as text")
        let chainCheck = try await browser.get("/console/audit/verify")
        #expect(chainCheck.body.contains("every entry links to the one before"), "\(chainCheck.body)")
        let policyPage = try await browser.get("/console/policy")
        #expect(policyPage.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        let detail = try await browser.get("/console/transactions/\(transaction.hash.hex)")
        #expect(
            detail.body.contains("href=\"/console/policy/\(policyHash)\""), "the decision links to its policy version")
    }

    @Test func aRefusalAtAdmissionIsListedUnderItsRuleAndCountedOnTheOverview() async throws {
        let node = try await start()
        defer { Task { await node.stop() } }
        await #expect(throws: AdmissionError.self) {
            try await node.chain.submit(
                raw: fixture.tokenTransfer(
                    from: fixture.alice, to: fixture.carol.address, amount: 5_000_000_000, nonce: 0))
        }
        try await node.chain.produceBlock()
        let browser = ConsoleClient(node)
        _ = try await browser.signIn(Self.auditorKey)
        let refusals = try await browser.get("/console/decisions?rule=eurd-max-transfer&outcome=deny")
        #expect(refusals.status == 200)
        #expect(refusals.body.contains(fixture.alice.address.checksummed))
        let allowed = try await browser.get("/console/decisions?rule=eurd-max-transfer&outcome=allow")
        #expect(!allowed.body.contains(fixture.alice.address.checksummed))
        let overview = try await browser.get("/console/overview")
        #expect(overview.body.contains("/console/decisions?rule=eurd-max-transfer&amp;outcome=deny"))
        #expect(
            overview.body.contains(
                "href=\"/console/policy/\(try #require(node.chain.currentPolicy?.hash.hex))#rule-eurd-max-transfer\""))
    }

    @Test func everyPageViewIsAnAdminReadAuditEntry() async throws {
        let node = try await start()
        defer { Task { await node.stop() } }
        let browser = ConsoleClient(node)
        _ = try await browser.get("/console/policy")
        _ = try await browser.signIn(Self.auditorKey)
        _ = try await browser.get("/console/transactions?limit=3")
        try await node.chain.produceBlock()
        let entries = try node.chain.auditEntries()
        let read = try #require(
            entries.first { $0.kind == .adminRead && $0.detail.contains("/console/transactions?limit=3") })
        #expect(read.actor == "auditor")
        #expect(read.outcome == "allow")
        let anonymous = try #require(
            entries.first { $0.kind == .adminRead && $0.detail.contains("GET /console/policy ") })
        #expect(anonymous.outcome == "unauthenticated")
        #expect(
            entries.contains { $0.kind == .loginSucceeded && $0.actor == "auditor" && $0.detail.contains("console") })
    }

    @Test func exportsStreamWithTheSessionAndTheAdminAPIsFilters() async throws {
        let node = try await start()
        defer { Task { await node.stop() } }
        _ = try await included(
            node, fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 7, nonce: 0))
        let browser = ConsoleClient(node)
        _ = try await browser.signIn(Self.auditorKey)
        let csv = try await browser.get("/console/export/transactions?format=csv&member=carol")
        #expect(csv.status == 200)
        #expect(csv.header("Content-Disposition") == "attachment; filename=\"transactions.csv\"")
        #expect(csv.body.split(separator: "\r\n").count == 1, "carol sent nothing: the header line only")
        let all = try await browser.get("/console/export/transactions?format=jsonl")
        #expect(all.body.split(separator: "\n").count == 1)
        let misspelt = try await browser.get("/console/export/transactions?membr=carol")
        #expect(misspelt.status == 400)
        #expect(misspelt.body.contains("unknown filter"))
    }

    @Test func htmlTextAndAttributesAreEscapedAndLinksStayOnTheListener() {
        let fragment = HTML.element(
            "a", [.href(ConsoleLink(["console", "transactions", "\"><script>"], query: [("member", "a&b")]))], "<b>&'\""
        )
        let document = HTML.document(fragment)
        #expect(document.contains("&lt;b&gt;&amp;&#39;&quot;"))
        #expect(document.contains("href=\"/console/transactions/%22%3E%3Cscript%3E?member=a%26b\""))
        #expect(!document.contains("<script"))
        #expect(!document.contains("<b>"))
    }
}

/// A clock the session tests move by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var time = Date(timeIntervalSince1970: 1_800_000_000)

    var now: Date { lock.withLock { time } }
    func advance(_ seconds: TimeInterval) { lock.withLock { time += seconds } }
}
