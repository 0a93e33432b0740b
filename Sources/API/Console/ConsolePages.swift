/// The console's pages. Each is drawn from the JSON the admin API's resource functions return
/// (`AdminResources`, through the routes of `AdminCatalog`), so a page shows exactly what the
/// API answers and nothing is queried twice.
enum ConsolePages {
    static let all: [ConsolePage] = [
        ConsolePage(path: "/console/overview") { try await ConsoleOverview.render($0) },
        ConsolePage(path: "/console/transactions") { try await ConsoleTransactions.list($0) },
        ConsolePage(path: "/console/transactions/:hash") { try await ConsoleTransactions.detail($0) },
        ConsolePage(path: "/console/policy") { try await ConsolePolicy.inForce($0) },
        ConsolePage(path: "/console/policy/:hash") { try await ConsolePolicy.version($0) },
        ConsolePage(path: "/console/batches") { try await ConsoleRecords.batches($0) },
        ConsolePage(path: "/console/accounts") { try await ConsoleRecords.accounts($0) },
        ConsolePage(path: "/console/tokens") { try await ConsoleRecords.tokens($0) },
        ConsolePage(path: "/console/decisions") { try await ConsoleAudit.decisions($0) },
        ConsolePage(path: "/console/audit") { try await ConsoleAudit.list($0) },
        ConsolePage(path: "/console/audit/verify") { try await ConsoleAudit.verify($0) },
    ]

    static let notFound = ConsolePage(path: "/console/**") { _ in
        ConsoleView(
            title: "Not found",
            content: [
                .element("p", "The console has no such page."),
                .element("p", [ConsoleComponents.link("Back to the overview", ConsoleLink(["console", "overview"]))]),
            ], count: 0, status: .notFound)
    }

    /// The admin route named `name` in the catalog (the console and the API share it).
    static func route(_ name: String) -> AdminRoute {
        guard let route = AdminCatalog.routes.first(where: { $0.name == name }) else {
            preconditionFailure("AdminCatalog has no route \(name)")
        }
        return route
    }

    /// Runs an admin route's resource function for the console and returns its JSON document.
    static func json(
        _ request: ConsolePageRequest, _ name: String, values: [String: String], pathValues: [String: String] = [:]
    )
        async throws -> JSON
    {
        let route = route(name)
        let query = try ConsoleQuery.adminQuery(route: route, values: values, pathValues: pathValues)
        guard case .json(let value, _) = try await route.handler(request.resources, query) else {
            throw AdminFailure.notFound("\(name) is an export, not a page")
        }
        return value
    }
}
