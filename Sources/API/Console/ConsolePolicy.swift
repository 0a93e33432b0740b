/// Policy pages: the one in force and its history (`getPolicy`, `listPolicyHistory`), one
/// version by hash (`getPolicyByHash`), and a readable difference between two versions.
enum ConsolePolicy {
    static func inForce(_ request: ConsolePageRequest) async throws -> ConsoleView {
        let policy = try await ConsolePages.json(request, "getPolicy", values: [:])
        let history = try await ConsolePages.json(request, "listPolicyHistory", values: [:])
        var content = [historySection(history, current: policy["hash"]?.stringValue)]
        content += document(policy)
        return ConsoleView(
            title: "Policy in force", content: content, count: 1 + (history["items"]?.arrayValue?.count ?? 0))
    }

    static func version(_ request: ConsolePageRequest) async throws -> ConsoleView {
        let policy = try await ConsolePages.json(
            request, "getPolicyByHash", values: [:], pathValues: request.pathValues)
        var content: [HTML] = []
        if let other = request.query["compare"] {
            let older = try await ConsolePages.json(
                request, "getPolicyByHash", values: [:], pathValues: ["hash": other])
            content.append(ConsoleComponents.section("Changes from \(other)", difference(from: older, to: policy)))
        } else {
            let history = try await ConsolePages.json(request, "listPolicyHistory", values: [:])
            content.append(historySection(history, current: policy["hash"]?.stringValue))
        }
        content += document(policy)
        return ConsoleView(title: "Policy version", content: content)
    }

    static func historySection(_ history: JSON, current: String?) -> HTML {
        let items = history["items"]?.arrayValue ?? []
        var rows: [[HTML]] = []
        for (index, item) in items.enumerated() {
            let hash = ConsoleComponents.text(item["hash"])
            var cells: [HTML] = [
                ConsoleComponents.policyLink(hash), .text(ConsoleComponents.text(item["fromBlock"])),
                ConsoleComponents.time(milliseconds: ConsoleComponents.integer(item["since"])),
            ]
            if index > 0, let previous = items[index - 1]["hash"]?.stringValue {
                cells.append(
                    ConsoleComponents.link(
                        "Changes from the version before",
                        ConsoleLink(["console", "policy", hash], query: [("compare", previous)])))
            } else {
                cells.append(.text(hash == current ? "in force" : "—"))
            }
            rows.append(cells)
        }
        return ConsoleComponents.section(
            "History",
            [
                ConsoleComponents.table(
                    caption: "Every policy put in force on this chain",
                    headers: ["Policy hash", "From block", "Since", "Compare"], rows: rows)
            ])
    }

    /// The policy's hash, rules (each with an anchor `rule-<id>`), members and roles.
    static func document(_ policy: JSON) -> [HTML] {
        let text = { (value: JSON?) in ConsoleComponents.text(value) }
        let summary = ConsoleComponents.details([
            ("Hash", ConsoleComponents.code(text(policy["hash"]))), ("From block", .text(text(policy["fromBlock"]))),
            ("Put in force", ConsoleComponents.time(milliseconds: ConsoleComponents.integer(policy["since"]))),
            ("Files", .text((policy["files"]?.arrayValue ?? []).map { text($0) }.joined(separator: ", "))),
        ])
        var anchored = Set<String>()
        let ruleRows: [HTML] = (policy["rules"]?.arrayValue ?? []).map { rule in
            let id = text(rule["id"])
            let anchor = anchored.insert(id).inserted ? [Attribute.id("rule-" + id)] : []
            return .element(
                "tr",
                [
                    .element("th", [Attribute("scope", "row")] + anchor, [ConsoleComponents.code(id)]),
                    .element("td", text(rule["asset"])),
                    .element("td", text(rule["description"])),
                ])
        }
        let rules = HTML.element(
            "div", [.class("table")],
            [
                .element(
                    "table",
                    [
                        .element("caption", "Rules"),
                        .element(
                            "thead",
                            [
                                .element(
                                    "tr",
                                    ["Rule", "Asset", "What it checks"].map {
                                        .element("th", [Attribute("scope", "col")], $0)
                                    })
                            ]),
                        .element("tbody", ruleRows),
                    ])
            ])
        let members = (policy["members"]?.arrayValue ?? []).map { member -> [HTML] in
            [
                .text(text(member["name"])), .text(text(member["organisation"])),
                .text((member["roles"]?.arrayValue ?? []).map { text($0) }.joined(separator: ", ")),
                .text(text(member["kycTier"])),
                .text(text(member["jurisdiction"])), .text(text(member["status"])),
                .join((member["addresses"]?.arrayValue ?? []).map { ConsoleComponents.code(text($0)) }),
            ]
        }
        return [
            summary, ConsoleComponents.section("Rules", [rules]),
            ConsoleComponents.section(
                "Members",
                [
                    ConsoleComponents.table(
                        caption: "Members",
                        headers: ["Name", "Organisation", "Roles", "KYC tier", "Jurisdiction", "Status", "Addresses"],
                        rows: members)
                ]),
        ]
    }

    /// Rules (by id and asset) and members (by name) added, removed or changed between two versions.
    static func difference(from older: JSON, to newer: JSON) -> [HTML] {
        func keyed(_ list: JSON?, key: (JSON) -> String) -> [String: String] {
            var result: [String: String] = [:]
            for item in list?.arrayValue ?? [] { result[key(item)] = String(decoding: item.serialized, as: UTF8.self) }
            return result
        }
        let text = { (value: JSON?) in ConsoleComponents.text(value) }
        var rows: [[HTML]] = []
        for (kind, list, key) in [
            ("Rule", "rules", { (item: JSON) in text(item["id"]) + " (" + text(item["asset"]) + ")" }),
            ("Member", "members", { (item: JSON) in text(item["name"]) }),
            ("Role", "roles", { (item: JSON) in text(item["name"]) }),
        ] as [(String, String, (JSON) -> String)] {
            let before = keyed(older[list], key: key)
            let after = keyed(newer[list], key: key)
            for name in Set(before.keys).union(after.keys).sorted() {
                switch (before[name], after[name]) {
                case (nil, let now?):
                    rows.append([
                        .text(kind), .text(name), .element("span", [.class("diff-added")], "added"), .text(now),
                    ])
                case (let was?, nil):
                    rows.append([
                        .text(kind), .text(name), .element("span", [.class("diff-removed")], "removed"), .text(was),
                    ])
                case (let was?, let now?) where was != now:
                    rows.append([
                        .text(kind), .text(name), .text("changed"),
                        .join([.element("del", was), .element("ins", now)]),
                    ])
                default: break
                }
            }
        }
        return [
            ConsoleComponents.table(
                caption: "Differences", headers: ["Kind", "Name", "Change", "Record"], rows: rows,
                empty: "The two versions are the same.")
        ]
    }
}
