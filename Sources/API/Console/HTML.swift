/// A fragment of HTML that is safe by construction: text enters only through ``text(_:)``,
/// which escapes it, and attribute values are escaped when written. Tag and attribute names are
/// `StaticString`s, so nothing read from the chain, the policy or a request can become markup.
///
/// There is deliberately no way to insert raw markup from a `String`: a member name or token
/// symbol holding `<script>` always renders as the characters `<script>`.
struct HTML: Sendable {
    fileprivate private(set) var markup: String

    private init(markup: String) { self.markup = markup }

    static let empty = HTML(markup: "")

    /// Text content, escaped.
    static func text(_ value: String) -> HTML { HTML(markup: escape(value)) }

    /// An element with children. `tag` and the attribute names are fixed in the source.
    static func element(_ tag: StaticString, _ attributes: [Attribute], _ children: [HTML]) -> HTML {
        var markup = "<" + tag.description
        for attribute in attributes { attribute.write(into: &markup) }
        markup += ">"
        for child in children { markup += child.markup }
        markup += "</" + tag.description + ">"
        return HTML(markup: markup)
    }

    /// An element with text content only.
    static func element(_ tag: StaticString, _ attributes: [Attribute], _ text: String) -> HTML {
        element(tag, attributes, [.text(text)])
    }

    static func element(_ tag: StaticString, _ children: [HTML]) -> HTML { element(tag, [], children) }

    static func element(_ tag: StaticString, _ text: String) -> HTML { element(tag, [], [.text(text)]) }

    /// A void element (`input`, `meta`, `link`): no children, no end tag.
    static func void(_ tag: StaticString, _ attributes: [Attribute]) -> HTML {
        var markup = "<" + tag.description
        for attribute in attributes { attribute.write(into: &markup) }
        return HTML(markup: markup + ">")
    }

    static func join(_ parts: [HTML]) -> HTML { HTML(markup: parts.map(\.markup).joined()) }

    /// A whole document: the doctype, then `root`.
    static func document(_ root: HTML) -> String { "<!DOCTYPE html>\n" + root.markup }

    /// Escapes the five characters that matter in text and in quoted attribute values.
    static func escape(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for character in value.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}

/// One attribute. Its name is fixed in the source; its value is escaped when written. Links go
/// through ``href(_:)``, which takes a ``ConsoleLink`` (always a path on this listener), so no
/// value from the data can become a `javascript:` URL.
struct Attribute: Sendable {
    let name: StaticString
    let value: String?

    init(_ name: StaticString, _ value: String) {
        self.name = name
        self.value = value
    }

    /// A boolean attribute (`required`, `selected`).
    init(flag name: StaticString) {
        self.name = name
        self.value = nil
    }

    static func href(_ link: ConsoleLink) -> Attribute { Attribute("href", link.url) }
    static func `class`(_ value: String) -> Attribute { Attribute("class", value) }
    static func id(_ value: String) -> Attribute { Attribute("id", value) }

    fileprivate func write(into markup: inout String) {
        markup += " " + name.description
        if let value { markup += "=\"" + HTML.escape(value) + "\"" }
    }
}

/// A link to a path on the admin listener with an optional query and fragment, each part
/// percent-encoded. It always starts with `/` (or `#`, within the page), so it can only lead
/// to this listener.
struct ConsoleLink: Sendable, Equatable {
    let url: String

    /// - Parameters:
    ///   - segments: path segments below `/`, each percent-encoded (`["console", "tx", hash]`).
    ///   - query: name and value pairs; empty values are left out.
    init(_ segments: [String], query: [(String, String)] = [], fragment: String? = nil) {
        var url = "/" + segments.map(Self.encode).joined(separator: "/")
        let pairs = query.filter { !$0.1.isEmpty }
        if !pairs.isEmpty {
            url += "?" + pairs.map { Self.encode($0.0) + "=" + Self.encode($0.1) }.joined(separator: "&")
        }
        if let fragment { url += "#" + Self.encode(fragment) }
        self.url = url
    }

    private init(url: String) { self.url = url }

    /// A link to an element of the same page (`#main`).
    static func anchor(_ id: String) -> ConsoleLink { ConsoleLink(url: "#" + encode(id)) }

    /// Unreserved characters (RFC 3986) pass; everything else is percent-encoded.
    static func encode(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return out
    }
}
