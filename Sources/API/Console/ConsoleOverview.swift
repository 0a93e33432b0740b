import Foundation

/// The overview: head block and mempool (`getStatus`), batches by L1 state with the proof lag
/// (`listBatches`), the policy in force, refusals by rule over the last hour (`listDecisions`),
/// and transactions per second over the last minutes (`listBlocks`) as a chart drawn here.
enum ConsoleOverview {
    /// Recent batches the L1 summary counts.
    static let batchWindow: UInt64 = 500
    static let chartMinutes: UInt64 = 10
    static let chartBuckets: UInt64 = 20
    /// Pages of decisions or blocks one overview reads at most.
    static let pageBudget = 10

    static func render(_ request: ConsolePageRequest) async throws -> ConsoleView {
        let status = try await ConsolePages.json(request, "getStatus", values: [:])
        let now = UInt64(Date().timeIntervalSince1970)
        var content = [figures(status)]
        content.append(
            try await batchesSection(
                request, latest: ConsoleComponents.integer(status["batches"]?["latestSealed"]) ?? 0))
        content.append(policySection(status["policy"]))
        content.append(try await refusalsSection(request, now: now))
        content.append(try await throughputSection(request, now: now))
        return ConsoleView(title: "Overview", content: content)
    }

    static func figures(_ status: JSON) -> HTML {
        let text = { (value: JSON?) in ConsoleComponents.text(value) }
        let head = status["headBlock"]
        let items: [(String, HTML)] = [
            ("Head block", .text(text(head?["number"]))),
            ("Head block time", ConsoleComponents.time(seconds: ConsoleComponents.integer(head?["timestamp"]))),
            ("Mempool", .text(text(status["mempoolSize"]) + " transactions")),
            ("Latest sealed batch", .text(text(status["batches"]?["latestSealed"]))),
            ("Open batch", .text(text(status["batches"]?["open"]))),
        ]
        return .element(
            "ul", [.class("figures"), Attribute("aria-label", "Chain status")],
            items.map { label, value in .element("li", [.element("span", label), .element("strong", [value])]) })
    }

    static func batchesSection(_ request: ConsolePageRequest, latest: UInt64) async throws -> HTML {
        let first = latest >= batchWindow ? latest - batchWindow + 1 : 0
        var batches: [JSON] = []
        var cursor: String? = String(first)
        var pages = 0
        while let next = cursor, pages < pageBudget {
            let page = try await ConsolePages.json(request, "listBatches", values: ["cursor": next, "limit": "1000"])
            batches += page["items"]?.arrayValue ?? []
            cursor = page["nextCursor"]?.stringValue
            pages += 1
        }
        var counts: [String: Int] = [:]
        for batch in batches { counts[ConsoleComponents.text(batch["status"]), default: 0] += 1 }
        let order = ["genesis", "sealed", "committed", "proven", "executed", "failed"]
        let rows = order.compactMap { state in counts[state].map { [HTML.text(state), .text(String($0))] } }
        // Proof lag: the sealed batches after the newest one the L1 executed, and how long the oldest has waited.
        let lastExecuted = batches.last { ["executed", "genesis"].contains(ConsoleComponents.text($0["status"])) }
        let executedNumber = lastExecuted.flatMap { ConsoleComponents.integer($0["number"]) } ?? 0
        let waiting = batches.filter { (ConsoleComponents.integer($0["number"]) ?? 0) > executedNumber }
        let oldest = waiting.first.flatMap { ConsoleComponents.integer($0["sealedAt"]) }
        let nowMilliseconds = UInt64(Date().timeIntervalSince1970 * 1000)
        let lag = oldest.map {
            "\(waiting.count) batches; the oldest sealed \((nowMilliseconds - min($0, nowMilliseconds)) / 1000) s ago"
        }
        return ConsoleComponents.section(
            "Batches on the L1",
            [
                ConsoleComponents.table(
                    caption: "The last \(batches.count) batches by L1 state", headers: ["L1 state", "Batches"],
                    rows: rows),
                ConsoleComponents.details([
                    (
                        "Newest executed on the L1",
                        .text(lastExecuted.map { ConsoleComponents.text($0["number"]) } ?? "none")
                    ),
                    ("Proof lag", .text(lag ?? "none: every sealed batch is executed")),
                ]),
            ])
    }

    static func policySection(_ policy: JSON?) -> HTML {
        guard let policy, let hash = policy["hash"]?.stringValue else {
            return ConsoleComponents.section(
                "Policy in force", [.element("p", "None: this chain runs without a policy.")])
        }
        return ConsoleComponents.section(
            "Policy in force",
            [
                ConsoleComponents.details([
                    ("Hash", ConsoleComponents.policyLink(hash)),
                    ("Since block", .text(ConsoleComponents.text(policy["fromBlock"]))),
                    ("Put in force", ConsoleComponents.time(milliseconds: ConsoleComponents.integer(policy["since"]))),
                ])
            ])
    }

    static func refusalsSection(_ request: ConsolePageRequest, now: UInt64) async throws -> HTML {
        let since = now - 3600
        var cursor: String? = String(try request.chain.firstAuditSequence(atOrAfterMilliseconds: since * 1000))
        var counts: [String: Int] = [:]
        var pages = 0
        while let next = cursor, pages < pageBudget {
            let page = try await ConsolePages.json(
                request, "listDecisions",
                values: ["cursor": next, "limit": "1000", "outcome": "deny", "from_time": String(since)])
            for item in page["items"]?.arrayValue ?? [] {
                counts[ConsoleComponents.text(item["rule"]), default: 0] += 1
            }
            cursor = page["nextCursor"]?.stringValue
            pages += 1
        }
        let policyHash = await request.chain.policyHistory.current?.hash
        let rows = counts.sorted { $0.value == $1.value ? $0.key < $1.key : $0.value > $1.value }.map {
            rule, count -> [HTML] in
            [
                policyHash.map { ConsoleComponents.policyLink($0, rule: rule) } ?? .text(rule),
                ConsoleComponents.link(
                    String(count),
                    ConsoleLink(
                        ["console", "decisions"],
                        query: [("rule", rule), ("outcome", "deny"), ("from_time", String(since))])),
            ]
        }
        var content = [
            ConsoleComponents.table(
                caption:
                    "Policy refusals since \(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(since))))",
                headers: ["Rule", "Refusals"], rows: rows, empty: "No refusal in the last hour.")
        ]
        if cursor != nil {
            content.append(
                .element("p", "More refusals than one overview reads: these are the first ones of the hour."))
        }
        return ConsoleComponents.section("Refusals by rule, last hour", content)
    }

    static func throughputSection(_ request: ConsolePageRequest, now: UInt64) async throws -> HTML {
        let start = now - chartMinutes * 60
        let width = chartMinutes * 60 / chartBuckets
        let range = try await request.resources.blockRange(AdminQuery(values: ["from_time": String(start)]))
        var buckets = [UInt64](repeating: 0, count: Int(chartBuckets))
        var cursor: String? = range.map { String($0.lowerBound) }
        var pages = 0
        while let next = cursor, pages < pageBudget {
            let page = try await ConsolePages.json(request, "listBlocks", values: ["cursor": next, "limit": "1000"])
            for block in page["items"]?.arrayValue ?? [] {
                guard let time = ConsoleComponents.integer(block["timestamp"]), time >= start else { continue }
                let index = min(Int((time - start) / width), buckets.count - 1)
                buckets[index] += ConsoleComponents.integer(block["transactionCount"]) ?? 0
            }
            cursor = page["nextCursor"]?.stringValue
            pages += 1
        }
        let rates = buckets.map { Double($0) / Double(width) }
        return ConsoleComponents.section(
            "Transactions per second, last \(chartMinutes) minutes",
            [
                ConsoleChart.bars(
                    rates,
                    label: "Transactions per second in \(width)-second steps over the last \(chartMinutes) minutes")
            ])
    }
}
