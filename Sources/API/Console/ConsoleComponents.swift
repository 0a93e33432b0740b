import Foundation

/// The building blocks pages are made of: tables with header cells, definition lists, links,
/// times. Each takes text and links, never markup, so escaping cannot be forgotten.
enum ConsoleComponents {
    /// A table with a caption and column headers (`th scope="col"`).
    static func table(caption: String, headers: [String], rows: [[HTML]], empty: String = "Nothing to show.") -> HTML {
        guard !rows.isEmpty else { return .element("p", [.class("empty")], empty) }
        let head = HTML.element(
            "thead", [.element("tr", headers.map { .element("th", [Attribute("scope", "col")], $0) })])
        let body = HTML.element("tbody", rows.map { cells in .element("tr", cells.map { .element("td", [$0]) }) })
        return .element("div", [.class("table")], [.element("table", [.element("caption", caption), head, body])])
    }

    /// A definition list of label and value pairs (`dt`/`dd`).
    static func details(_ pairs: [(String, HTML)]) -> HTML {
        .element("dl", pairs.flatMap { [HTML.element("dt", $0.0), HTML.element("dd", [$0.1])] })
    }

    static func section(_ title: String, _ content: [HTML]) -> HTML {
        .element("section", [.element("h2", title)] + content)
    }

    static func link(_ text: String, _ link: ConsoleLink) -> HTML { .element("a", [.href(link)], text) }

    /// Hashes and addresses in a monospace span.
    static func code(_ text: String) -> HTML { .element("code", text) }

    static func text(_ value: JSON?) -> String {
        switch value {
        case .none, .null?: return "—"
        case .bool(let flag)?: return flag ? "yes" : "no"
        case .number(let text)?, .string(let text)?: return text
        case let other?: return String(decoding: other.serialized, as: UTF8.self)
        }
    }

    static func integer(_ value: JSON?) -> UInt64? {
        guard case .number(let text)? = value else { return nil }
        return UInt64(text)
    }

    /// A UTC time from unix seconds.
    static func time(seconds: UInt64?) -> HTML {
        guard let seconds else { return .text("—") }
        let date = Date(timeIntervalSince1970: TimeInterval(seconds))
        let formatter = ISO8601DateFormatter()
        return .element("time", [Attribute("datetime", formatter.string(from: date))], formatter.string(from: date))
    }

    static func time(milliseconds: UInt64?) -> HTML { time(seconds: milliseconds.map { $0 / 1000 }) }

    static func transactionLink(_ hash: String) -> HTML {
        .element("a", [.href(ConsoleLink(["console", "transactions", hash]))], [code(hash)])
    }

    static func policyLink(_ hash: String, rule: String? = nil) -> HTML {
        .element(
            "a", [.href(ConsoleLink(["console", "policy", hash], fragment: rule.map { "rule-" + $0 }))],
            [code(rule ?? hash)])
    }
}
