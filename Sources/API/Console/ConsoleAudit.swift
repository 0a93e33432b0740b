import Primitives
import Sequencer

/// The audit log (`listAuditEntries`): browse and filter, and check that its hash chain links
/// up, entry by entry, to the head committed on the L1 with the newest settled batch.
enum ConsoleAudit {
    static let pageSize: UInt64 = 50

    static func list(_ request: ConsolePageRequest) async throws -> ConsoleView {
        var values = request.query
        values["limit"] = values["limit"] ?? String(pageSize)
        if values["cursor"] == nil && values.keys.allSatisfy({ $0 == "limit" }) {
            // Unfiltered, the page opens on the newest entries.
            let end = try endOfLog(request)
            values["cursor"] = String(end > pageSize ? end - pageSize : 0)
        }
        let page = try await ConsolePages.json(request, "listAuditEntries", values: values)
        let items = page["items"]?.arrayValue ?? []
        let text = { (value: JSON?) in ConsoleComponents.text(value) }
        let rows: [[HTML]] = items.map { entry in
            let transaction = entry["transaction"]?.stringValue
            return [
                .text(text(entry["sequence"])),
                ConsoleComponents.time(milliseconds: ConsoleComponents.integer(entry["time"])),
                .text(text(entry["kind"])), .text(text(entry["actor"])),
                .element("span", [.class(text(entry["outcome"]))], text(entry["outcome"])), .text(text(entry["rule"])),
                transaction.map(ConsoleComponents.transactionLink) ?? .text("—"), .text(text(entry["detail"])),
            ]
        }
        var content: [HTML] = [
            filterForm(request.query),
            .element(
                "p",
                [
                    ConsoleComponents.link(
                        "Check the hash chain against the L1", ConsoleLink(["console", "audit", "verify"]))
                ]),
            ConsoleComponents.table(
                caption: "Audit entries in order",
                headers: ["Sequence", "Time", "Kind", "Actor", "Outcome", "Rule", "Transaction", "Detail"],
                rows: rows, empty: "No entry matches in the range read."),
        ]
        content.append(
            ConsoleRecords.pager(
                "audit", query: request.query, next: page["nextCursor"]?.stringValue, first: "0",
                firstLabel: "Oldest entries"))
        return ConsoleView(title: "Audit log", content: content, count: items.count)
    }

    /// Policy decisions (`listDecisions`): every allow and deny with its rule, filtered as the API filters.
    static func decisions(_ request: ConsolePageRequest) async throws -> ConsoleView {
        var values = request.query
        values["limit"] = values["limit"] ?? String(pageSize)
        let page = try await ConsolePages.json(request, "listDecisions", values: values)
        let items = page["items"]?.arrayValue ?? []
        let text = { (value: JSON?) in ConsoleComponents.text(value) }
        let rows: [[HTML]] = items.map { entry in
            [
                .text(text(entry["sequence"])),
                ConsoleComponents.time(milliseconds: ConsoleComponents.integer(entry["time"])),
                ConsoleComponents.code(text(entry["actor"])), .text(text(entry["asset"])),
                .element("span", [.class(text(entry["outcome"]))], text(entry["outcome"])), .text(text(entry["rule"])),
                entry["transaction"]?.stringValue.map(ConsoleComponents.transactionLink) ?? .text("—"),
                .text(text(entry["detail"])),
            ]
        }
        let fields: [(name: String, label: String)] = [
            ("member", "Member"), ("address", "Sender address"), ("rule", "Rule"),
            ("asset", "Asset (native or address)"),
        ]
        var inputs: [HTML] = fields.map { field in
            .element(
                "label", [Attribute("for", "filter-" + field.name)],
                [
                    .text(field.label),
                    .void(
                        "input",
                        [
                            Attribute("type", "text"), .id("filter-" + field.name), Attribute("name", field.name),
                            Attribute("value", request.query[field.name] ?? ""),
                        ]),
                ])
        }
        let outcomes = [("", "any"), ("allow", "allow"), ("deny", "deny")].map { value, label in
            HTML.element(
                "option",
                [Attribute("value", value)] + (request.query["outcome"] == value ? [Attribute(flag: "selected")] : []),
                label)
        }
        inputs.append(
            .element(
                "label", [Attribute("for", "filter-outcome")],
                [
                    .text("Outcome"),
                    .element("select", [.id("filter-outcome"), Attribute("name", "outcome")], outcomes),
                ]))
        inputs.append(.element("button", [Attribute("type", "submit")], "Filter"))
        let form = HTML.element(
            "form",
            [
                .class("filters"), Attribute("method", "get"), Attribute("action", "/console/decisions"),
                Attribute("role", "search"),
            ],
            inputs)
        let exportQuery = ["member", "address", "rule", "asset", "outcome", "from_time", "to_time"].compactMap { name in
            request.query[name].map { (name, $0) }
        }
        let content: [HTML] = [
            form,
            ConsoleComponents.table(
                caption: "Policy decisions in order",
                headers: ["Sequence", "Time", "Sender", "Asset", "Outcome", "Rule", "Transaction", "Detail"],
                rows: rows,
                empty: "No decision matches in the range read."),
            ConsoleRecords.pager(
                "decisions", query: request.query, next: page["nextCursor"]?.stringValue, first: nil,
                firstLabel: "First page"),
            .element(
                "p",
                [
                    ConsoleComponents.link(
                        "Export these decisions as CSV",
                        ConsoleLink(["console", "export", "decisions"], query: [("format", "csv")] + exportQuery))
                ]),
        ]
        return ConsoleView(title: "Policy decisions", content: content, count: items.count)
    }

    static func filterForm(_ query: [String: String]) -> HTML {
        let kinds = [("", "any")] + AuditEntry.Kind.allCases.map { ($0.rawValue, $0.rawValue) }
        let options = kinds.map { value, label in
            HTML.element(
                "option", [Attribute("value", value)] + (query["kind"] == value ? [Attribute(flag: "selected")] : []),
                label)
        }
        func number(_ name: String, _ label: String) -> HTML {
            .element(
                "label", [Attribute("for", "filter-" + name)],
                [
                    .text(label),
                    .void(
                        "input",
                        [
                            Attribute("type", "number"), Attribute("min", "0"), .id("filter-" + name),
                            Attribute("name", name), Attribute("value", query[name] ?? ""),
                        ]),
                ])
        }
        return .element(
            "form",
            [
                .class("filters"), Attribute("method", "get"), Attribute("action", "/console/audit"),
                Attribute("role", "search"),
            ],
            [
                .element(
                    "label", [Attribute("for", "filter-kind")],
                    [.text("Kind"), .element("select", [.id("filter-kind"), Attribute("name", "kind")], options)]),
                number("from_time", "From (unix seconds)"), number("to_time", "To (unix seconds)"),
                .element("button", [Attribute("type", "submit")], "Filter"),
            ])
    }

    /// One past the last sequence number: an exponential probe, then a binary search.
    static func endOfLog(_ request: ConsolePageRequest) throws -> UInt64 {
        func exists(_ sequence: UInt64) throws -> Bool { try !request.chain.auditLog(from: sequence, limit: 1).isEmpty }
        var high: UInt64 = 1
        while try exists(high) { high *= 2 }
        var low: UInt64 = 0
        while low < high {
            let middle = low + (high - low) / 2
            if try exists(middle) { low = middle + 1 } else { high = middle }
        }
        return low
    }

    // MARK: - Chain verification

    /// Walks the whole log through the admin API's pages: every sequence number present, every
    /// entry's `previous` the hash of the one before, and the head committed with the newest
    /// batch the L1 holds found in it. Reads the whole log: it runs only when asked for.
    static func verify(_ request: ConsolePageRequest) async throws -> ConsoleView {
        let committed = try await committedHead(request)
        var expected: UInt64 = 0
        var previous = Hash32.zero.hex
        var problem: String?
        var committedAt: UInt64?
        var cursor: String? = "0"
        walk: while let next = cursor {
            let page = try await ConsolePages.json(
                request, "listAuditEntries", values: ["cursor": next, "limit": "1000"])
            for entry in page["items"]?.arrayValue ?? [] {
                let sequence = ConsoleComponents.integer(entry["sequence"]) ?? .max
                guard sequence == expected else {
                    problem = "entry \(expected) is missing: the log jumps to \(sequence)"
                    break walk
                }
                guard entry["previous"]?.stringValue == previous else {
                    problem =
                        "entry \(sequence) does not link to entry \(expected == 0 ? "(start)" : String(expected - 1))"
                    break walk
                }
                previous = ConsoleComponents.text(entry["hash"])
                if let committed, previous == committed.head { committedAt = sequence }
                expected += 1
            }
            cursor = page["nextCursor"]?.stringValue
        }
        var pairs: [(String, HTML)] = [("Entries checked", .text(String(expected)))]
        if let problem {
            pairs.append(("Result", .element("strong", [.class("deny")], "broken: " + problem)))
        } else if let committed {
            let found = committedAt.map { "the head committed on the L1 with batch \(committed.batch) is entry \($0)" }
            pairs.append(
                (
                    "Result",
                    .element(
                        "strong", [.class(committedAt == nil ? "deny" : "allow")],
                        found.map { "verified: every entry links to the one before, and " + $0 }
                            ?? "not verified: the head committed with batch \(committed.batch) is not in the log")
                ))
            pairs.append(("Committed head", ConsoleComponents.code(committed.head)))
        } else {
            pairs.append(
                (
                    "Result",
                    .element("strong", "every entry links to the one before; no batch is on the L1 yet to compare with")
                ))
        }
        return ConsoleView(title: "Audit chain", content: [ConsoleComponents.details(pairs)], count: Int(expected))
    }

    /// The audit head recorded with the newest batch the L1 holds (committed, proven or executed).
    static func committedHead(_ request: ConsolePageRequest) async throws -> (batch: UInt64, head: String)? {
        let latest = await request.chain.latestBatch.number
        var number = latest
        while number > 0 {
            let batch = try await ConsolePages.json(
                request, "getBatch", values: [:], pathValues: ["number": String(number)])
            if ["committed", "proven", "executed"].contains(ConsoleComponents.text(batch["status"])),
                let head = batch["auditHead"]?.stringValue
            {
                return (number, head)
            }
            number -= 1
            if latest - number > 1_000 { break }
        }
        return nil
    }
}
