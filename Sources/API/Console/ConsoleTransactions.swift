/// Transactions: the filtered, paginated list (`listTransactions`) and one transaction
/// (`getTransaction`) with its policy decision and its batch's state on the L1 (`getBatch`).
enum ConsoleTransactions {
    /// The filters the list offers: the admin API's, with the same names.
    static let filters: [(name: String, label: String, type: String)] = [
        ("member", "Member", "text"), ("address", "Sender address", "text"), ("from_block", "From block", "number"),
        ("to_block", "To block", "number"),
    ]
    /// What an export link carries over from the list's filters (exports take no outcome).
    static let exportFilters = ["member", "address", "from_block", "to_block", "from_time", "to_time"]
    static let pageSize = "50"

    static func list(_ request: ConsolePageRequest) async throws -> ConsoleView {
        var values = request.query
        values["limit"] = values["limit"] ?? pageSize
        let page = try await ConsolePages.json(request, "listTransactions", values: values)
        let items = page["items"]?.arrayValue ?? []
        let rows: [[HTML]] = items.map(row)
        var content: [HTML] = [filterForm(request.query)]
        content.append(
            ConsoleComponents.table(
                caption: "Transactions in chain order",
                headers: ["Block", "Time", "Hash", "Member", "Sender", "Operation", "Amount", "Receipt", "Decision"],
                rows: rows,
                empty: "No transaction matches these filters in the range read."))
        var pages: [HTML] = []
        let kept = request.query.filter { $0.key != "cursor" }.sorted { $0.key < $1.key }
        if request.query["cursor"] != nil {
            pages.append(ConsoleComponents.link("First page", ConsoleLink(["console", "transactions"], query: kept)))
        }
        if let next = page["nextCursor"]?.stringValue {
            pages.append(
                .element(
                    "a",
                    [
                        .href(ConsoleLink(["console", "transactions"], query: kept + [("cursor", next)])),
                        Attribute("rel", "next"),
                    ],
                    "Next page"))
        }
        if !pages.isEmpty {
            content.append(.element("nav", [.class("pages"), Attribute("aria-label", "Pages")], pages))
        }
        content.append(exportLinks(request.query))
        return ConsoleView(title: "Transactions", content: content, count: items.count)
    }

    static func row(_ item: JSON) -> [HTML] {
        let operation = item["operation"]
        let decision = item["decision"]
        let status = ConsoleComponents.text(item["receipt"]?["status"])
        var decisionCell = HTML.element(
            "span", [.class(ConsoleComponents.text(decision?["outcome"]))], ConsoleComponents.text(decision?["outcome"])
        )
        if let rule = decision?["rule"]?.stringValue, let hash = decision?["policyHash"]?.stringValue {
            decisionCell = .join([decisionCell, .text(" "), ConsoleComponents.policyLink(hash, rule: rule)])
        }
        return [
            .text(ConsoleComponents.text(item["blockNumber"])),
            ConsoleComponents.time(seconds: ConsoleComponents.integer(item["timestamp"])),
            ConsoleComponents.transactionLink(ConsoleComponents.text(item["hash"])),
            .text(ConsoleComponents.text(item["member"])),
            ConsoleComponents.code(ConsoleComponents.text(item["from"])),
            .text(ConsoleComponents.text(operation?["name"])),
            .text(ConsoleComponents.text(operation?["amount"])), .element("span", [.class(status)], status),
            decisionCell,
        ]
    }

    static func filterForm(_ query: [String: String]) -> HTML {
        var fields: [HTML] = filters.map { filter in
            .element(
                "label", [Attribute("for", "filter-" + filter.name)],
                [
                    .text(filter.label),
                    .void(
                        "input",
                        [
                            Attribute("type", filter.type), .id("filter-" + filter.name),
                            Attribute("name", filter.name),
                            Attribute("value", query[filter.name] ?? ""),
                        ] + (filter.type == "number" ? [Attribute("min", "0")] : [])),
                ])
        }
        let outcomes = [("", "any"), ("success", "success"), ("failed", "failed")].map { value, label in
            HTML.element(
                "option",
                [Attribute("value", value)] + (query["outcome"] == value ? [Attribute(flag: "selected")] : []), label)
        }
        fields.append(
            .element(
                "label", [Attribute("for", "filter-outcome")],
                [
                    .text("Outcome"),
                    .element("select", [.id("filter-outcome"), Attribute("name", "outcome")], outcomes),
                ]))
        fields.append(.element("button", [Attribute("type", "submit")], "Filter"))
        return .element(
            "form",
            [
                .class("filters"), Attribute("method", "get"), Attribute("action", "/console/transactions"),
                Attribute("role", "search"),
            ],
            fields)
    }

    static func exportLinks(_ query: [String: String]) -> HTML {
        let carried = exportFilters.compactMap { name in query[name].map { (name, $0) } }
        let links = [("CSV", "csv"), ("JSON Lines", "jsonl")].map { label, format in
            HTML.element(
                "li",
                [
                    .element(
                        "a",
                        [
                            .href(
                                ConsoleLink(
                                    ["console", "export", "transactions"], query: [("format", format)] + carried)),
                            Attribute("download", ""),
                        ],
                        "Export as \(label)")
                ])
        }
        var content: [HTML] = [.element("ul", links)]
        if query["outcome"] != nil {
            content.append(
                .element(
                    "p", "Exports hold every transaction of the range and sender filters; the outcome is a column."))
        }
        return ConsoleComponents.section("Export", content)
    }

    // MARK: - One transaction

    static func detail(_ request: ConsolePageRequest) async throws -> ConsoleView {
        let item = try await ConsolePages.json(request, "getTransaction", values: [:], pathValues: request.pathValues)
        let text = { (value: JSON?) in ConsoleComponents.text(value) }
        let hash = text(item["hash"])
        var content: [HTML] = [
            ConsoleComponents.details([
                ("Hash", ConsoleComponents.code(hash)), ("Block", .text(text(item["blockNumber"]))),
                ("Position in block", .text(text(item["position"]))),
                ("Time", ConsoleComponents.time(seconds: ConsoleComponents.integer(item["timestamp"]))),
                ("Signer", ConsoleComponents.code(text(item["from"]))), ("Member", .text(text(item["member"]))),
                ("Nonce", .text(text(item["nonce"]))), ("Envelope type", .text(text(item["type"]))),
            ])
        ]
        if case .object(let fields)? = item["operation"] {
            content.append(
                ConsoleComponents.section(
                    "Operation", [ConsoleComponents.details(fields.map { ($0.0, .text(text($0.1))) })]))
        } else {
            content.append(
                ConsoleComponents.section("Operation", [.element("p", "Not a ledger operation the node decodes.")]))
        }
        let receipt = item["receipt"]
        content.append(
            ConsoleComponents.section(
                "Receipt",
                [
                    ConsoleComponents.details([
                        ("Status", .element("span", [.class(text(receipt?["status"]))], text(receipt?["status"]))),
                        ("Gas used", .text(text(receipt?["gasUsed"]))),
                        ("Revert reason", .text(text(receipt?["revertReason"]))),
                        ("Logs", .text(text(receipt?["logCount"]))),
                    ])
                ]))
        content.append(decisionSection(item["decision"]))
        content.append(try await batchSection(request, block: ConsoleComponents.integer(item["blockNumber"])))
        return ConsoleView(title: "Transaction", content: content)
    }

    static func decisionSection(_ decision: JSON?) -> HTML {
        let outcome = ConsoleComponents.text(decision?["outcome"])
        var pairs: [(String, HTML)] = [("Outcome", .element("span", [.class(outcome)], outcome))]
        let policyHash = decision?["policyHash"]?.stringValue
        if let rule = decision?["rule"]?.stringValue {
            pairs.append(("Rule", policyHash.map { ConsoleComponents.policyLink($0, rule: rule) } ?? .text(rule)))
        }
        pairs.append(
            (
                "Policy in force",
                policyHash.map { ConsoleComponents.policyLink($0) } ?? .text("none: this chain runs without a policy")
            ))
        return ConsoleComponents.section("Policy decision", [ConsoleComponents.details(pairs)])
    }

    /// The sealed batch holding `block` and where it stands on the L1 (`getBatch`).
    static func batchSection(_ request: ConsolePageRequest, block: UInt64?) async throws -> HTML {
        let latest = await request.chain.latestBatch.number
        guard let block, let record = try request.chain.sealedBatch(containing: block, latest: latest) else {
            return ConsoleComponents.section(
                "Batch", [.element("p", "Not sealed into a batch yet: its batch is still open.")])
        }
        let batch = try await ConsolePages.json(
            request, "getBatch", values: [:], pathValues: ["number": String(record.number)])
        let text = { (value: JSON?) in ConsoleComponents.text(value) }
        return ConsoleComponents.section(
            "Batch",
            [
                ConsoleComponents.details([
                    ("Batch", .text(text(batch["number"]))),
                    ("Blocks", .text(text(batch["firstBlock"]) + "–" + text(batch["lastBlock"]))),
                    ("L1 state", .element("strong", text(batch["status"]))),
                    ("State root", ConsoleComponents.code(text(batch["stateRoot"]))),
                    ("Operations commitment", ConsoleComponents.code(text(batch["operationsCommitment"]))),
                    ("Sealed", ConsoleComponents.time(milliseconds: ConsoleComponents.integer(batch["sealedAt"]))),
                ])
            ])
    }
}
