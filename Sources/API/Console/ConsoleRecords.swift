/// Batches (`listBatches`), accounts (`listAccounts`) and tokens (`listTokens`): each a table
/// of the admin API's answer, paged with its cursor.
enum ConsoleRecords {
    static let pageSize = "50"

    static func batches(_ request: ConsolePageRequest) async throws -> ConsoleView {
        let latest = await request.chain.latestBatch.number
        var values = request.query
        values["limit"] = values["limit"] ?? pageSize
        // Without a cursor the page opens on the newest batches.
        values["cursor"] = values["cursor"] ?? String(latest >= 49 ? latest - 49 : 0)
        let page = try await ConsolePages.json(request, "listBatches", values: values)
        let items = page["items"]?.arrayValue ?? []
        let text = { (value: JSON?) in ConsoleComponents.text(value) }
        let rows: [[HTML]] = items.map { batch in
            [
                .text(text(batch["number"])), .text(text(batch["firstBlock"]) + "–" + text(batch["lastBlock"])),
                ConsoleComponents.time(milliseconds: ConsoleComponents.integer(batch["sealedAt"])),
                .element("strong", text(batch["status"])), ConsoleComponents.code(text(batch["stateRoot"])),
                ConsoleComponents.code(text(batch["auditHead"])),
                batch["policyHash"]?.stringValue.map { ConsoleComponents.policyLink($0) } ?? .text("—"),
                .text(text(batch["depositCount"]) + " / " + text(batch["withdrawalCount"])),
            ]
        }
        var content = [
            ConsoleComponents.table(
                caption: "Sealed batches: public commitment fields and the L1's record",
                headers: [
                    "Batch", "Blocks", "Sealed", "L1 state", "State root", "Audit head", "Policy",
                    "Deposits / withdrawals",
                ],
                rows: rows)
        ]
        content.append(
            pager(
                "batches", query: request.query, next: page["nextCursor"]?.stringValue, first: "0",
                firstLabel: "Oldest batches"))
        return ConsoleView(title: "Batches", content: content, count: items.count)
    }

    static func accounts(_ request: ConsolePageRequest) async throws -> ConsoleView {
        var values = request.query
        values["limit"] = values["limit"] ?? pageSize
        let page = try await ConsolePages.json(request, "listAccounts", values: values)
        let items = page["items"]?.arrayValue ?? []
        let text = { (value: JSON?) in ConsoleComponents.text(value) }
        let rows: [[HTML]] = items.map { account in
            let balances = (account["balances"]?.arrayValue ?? []).map { balance -> HTML in
                let frozen = balance["frozen"]?.boolValue == true ? " (frozen)" : ""
                return .element("li", text(balance["symbol"]) + ": " + text(balance["balance"]) + frozen)
            }
            return [
                ConsoleComponents.code(text(account["address"])), .text(text(account["member"])),
                .text(text(account["organisation"])),
                .text(text(account["kycTier"])), .text(text(account["jurisdiction"])), .text(text(account["status"])),
                .text(text(account["nonce"])), .element("ul", [.class("plain")], balances),
            ]
        }
        var content = [
            ConsoleComponents.table(
                caption: "Accounts with their balances per asset (base units)",
                headers: [
                    "Address", "Member", "Organisation", "KYC tier", "Jurisdiction", "Status", "Nonce", "Balances",
                ], rows: rows)
        ]
        content.append(
            pager(
                "accounts", query: request.query, next: page["nextCursor"]?.stringValue, first: nil,
                firstLabel: "First page"))
        return ConsoleView(title: "Accounts", content: content, count: items.count)
    }

    static func tokens(_ request: ConsolePageRequest) async throws -> ConsoleView {
        let list = try await ConsolePages.json(request, "listTokens", values: request.query)
        let items = list["items"]?.arrayValue ?? []
        let text = { (value: JSON?) in ConsoleComponents.text(value) }
        let rows: [[HTML]] = items.map { token in
            [
                .text(text(token["symbol"])), .text(text(token["name"])),
                ConsoleComponents.code(text(token["address"])),
                .text(text(token["decimals"])), .text(text(token["totalSupply"])), .text(text(token["supplyCap"])),
                .text(text(token["holderCount"])), .text(text(token["paused"])),
            ]
        }
        let table = ConsoleComponents.table(
            caption: "Configured tokens (amounts in base units)",
            headers: ["Symbol", "Name", "Address", "Decimals", "Supply", "Cap", "Holders", "Paused"], rows: rows)
        return ConsoleView(title: "Tokens", content: [table], count: items.count)
    }

    /// "First page" (or `first`) and "Next page" links that keep the page's other query values.
    static func pager(
        _ page: String, query: [String: String], next: String?, first: String?, firstLabel: String
    ) -> HTML {
        let kept = query.filter { $0.key != "cursor" }.sorted { $0.key < $1.key }
        var links: [HTML] = []
        if query["cursor"] != nil || first != nil {
            links.append(
                ConsoleComponents.link(
                    firstLabel, ConsoleLink(["console", page], query: kept + (first.map { [("cursor", $0)] } ?? []))))
        }
        if let next {
            links.append(
                .element(
                    "a",
                    [
                        .href(ConsoleLink(["console", page], query: kept + [("cursor", next)])),
                        Attribute("rel", "next"),
                    ], "Next page"))
        }
        return .element("nav", [.class("pages"), Attribute("aria-label", "Pages")], links)
    }
}
