import Primitives

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An EIP-4361 "Sign-In with Ethereum" message: the text a wallet shows and signs.
///
/// Parsing follows the EIP's ABNF line by line and refuses anything else (extra or missing
/// lines, fields out of order, CR line ends, a trailing newline, a non-checksummed address,
/// a version other than 1), because the signature covers the exact bytes: a lenient parser
/// would accept text whose meaning a wallet displayed differently.
public struct SignInMessage: Sendable, Equatable {
    /// Optional URI scheme in front of the domain (`https://example.com wants you …`).
    public var scheme: String?
    /// The RFC 3986 authority asking for the sign-in, e.g. `127.0.0.1:8545`.
    public var domain: String
    public var address: Address
    public var statement: String?
    public var uri: String
    /// Always `1`: the only version EIP-4361 defines.
    public var version: String
    public var chainID: UInt64
    public var nonce: String
    public var issuedAt: Date
    public var expirationTime: Date?
    public var notBefore: Date?
    public var requestID: String?
    public var resources: [String]

    /// Longer texts are refused unread: no wallet shows a sign-in message of this size.
    public static let maximumLength = 16 * 1024

    static let headerSuffix = " wants you to sign in with your Ethereum account:"

    public init(
        scheme: String? = nil, domain: String, address: Address, statement: String?, uri: String, version: String = "1",
        chainID: UInt64, nonce: String, issuedAt: Date, expirationTime: Date? = nil, notBefore: Date? = nil,
        requestID: String? = nil, resources: [String] = []
    ) {
        self.scheme = scheme
        self.domain = domain
        self.address = address
        self.statement = statement
        self.uri = uri
        self.version = version
        self.chainID = chainID
        self.nonce = nonce
        self.issuedAt = issuedAt
        self.expirationTime = expirationTime
        self.notBefore = notBefore
        self.requestID = requestID
        self.resources = resources
    }

    /// The message text, as a wallet signs it (LF line ends, no trailing newline; dates in UTC
    /// whole seconds).
    public var text: String {
        var lines = [(scheme.map { "\($0)://" } ?? "") + domain + Self.headerSuffix, address.checksummed, ""]
        if let statement { lines.append(statement) }
        lines.append("")
        lines.append("URI: \(uri)")
        lines.append("Version: \(version)")
        lines.append("Chain ID: \(chainID)")
        lines.append("Nonce: \(nonce)")
        lines.append("Issued At: \(RFC3339.format(issuedAt))")
        if let expirationTime { lines.append("Expiration Time: \(RFC3339.format(expirationTime))") }
        if let notBefore { lines.append("Not Before: \(RFC3339.format(notBefore))") }
        if let requestID { lines.append("Request ID: \(requestID)") }
        if !resources.isEmpty {
            lines.append("Resources:")
            lines += resources.map { "- \($0)" }
        }
        return lines.joined(separator: "\n")
    }

    /// Parses the text of a message strictly per the EIP-4361 ABNF.
    public init(parsing text: String) throws(AuthError) {
        guard text.utf8.count <= Self.maximumLength else {
            throw Self.malformed("the message is longer than \(Self.maximumLength) bytes")
        }
        guard !text.utf8.contains(UInt8(ascii: "\r")) else {
            throw Self.malformed("lines must end with LF only, not CR LF")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]

        // "[scheme://]domain wants you to sign in with your Ethereum account:"
        guard let header = lines.popFirst(), header.hasSuffix(Self.headerSuffix) else {
            throw Self.malformed("the first line must be '<domain>\(Self.headerSuffix)'")
        }
        var origin = header.dropLast(Self.headerSuffix.count)
        if let separator = origin.range(of: "://") {
            let scheme = origin[..<separator.lowerBound]
            guard Self.isScheme(scheme) else {
                throw Self.malformed("the scheme before the domain is not a URI scheme")
            }
            self.scheme = String(scheme)
            origin = origin[separator.upperBound...]
        } else {
            self.scheme = nil
        }
        guard !origin.isEmpty, origin.unicodeScalars.allSatisfy(Self.isAuthorityCharacter) else {
            throw Self.malformed("the domain is empty or not an RFC 3986 authority")
        }
        domain = String(origin)

        guard let addressLine = lines.popFirst() else { throw Self.malformed("the address line is missing") }
        guard let address = try? Address(hex: addressLine), address.checksummed == addressLine else {
            throw Self.malformed("the second line must be the address in EIP-55 checksum form")
        }
        self.address = address

        // address LF LF [statement LF] LF "URI: …"
        guard lines.popFirst() == "" else { throw Self.malformed("a blank line must follow the address") }
        guard let afterBlank = lines.popFirst() else { throw Self.missing("URI") }
        if afterBlank.isEmpty {
            statement = nil
        } else if afterBlank.hasPrefix("URI: ") {
            throw Self.malformed("without a statement, two blank lines must separate the address from 'URI:'")
        } else {
            guard !afterBlank.unicodeScalars.contains(where: \.breaksLine) else {
                throw Self.malformed("the statement must be one line of text between two blank lines")
            }
            statement = String(afterBlank)
            guard lines.popFirst() == "" else { throw Self.malformed("a blank line must follow the statement") }
        }

        let uri = try Self.field("URI", from: &lines)
        guard Self.isURI(uri) else { throw Self.malformed("URI is not an RFC 3986 URI") }
        self.uri = uri
        version = try Self.field("Version", from: &lines)
        guard version == "1" else { throw Self.malformed("Version must be 1") }
        let chainText = try Self.field("Chain ID", from: &lines)
        guard !chainText.isEmpty, chainText.utf8.allSatisfy(Self.isDigit), let chainID = UInt64(chainText) else {
            throw Self.malformed("Chain ID must be a decimal number")
        }
        self.chainID = chainID
        nonce = try Self.field("Nonce", from: &lines)
        guard nonce.utf8.count >= 8, nonce.utf8.allSatisfy(Self.isAlphanumeric) else {
            throw Self.malformed("Nonce must be at least 8 letters or digits")
        }
        issuedAt = try Self.date("Issued At", from: &lines)
        expirationTime = try Self.optionalDate("Expiration Time", from: &lines)
        notBefore = try Self.optionalDate("Not Before", from: &lines)
        if lines.first?.hasPrefix("Request ID: ") == true {
            requestID = try Self.field("Request ID", from: &lines)
        } else {
            requestID = nil
        }
        resources = []
        if lines.first == "Resources:" {
            lines.removeFirst()
            while let line = lines.first, line.hasPrefix("- ") {
                let resource = String(line.dropFirst(2))
                guard Self.isURI(resource) else { throw Self.malformed("each resource must be an RFC 3986 URI") }
                resources.append(resource)
                lines.removeFirst()
            }
        }
        guard lines.isEmpty else {
            throw Self.malformed("unexpected text after the last field (fields out of order, or a trailing newline)")
        }
    }

    // MARK: - Grammar helpers

    private typealias Lines = ArraySlice<Substring>

    private static func malformed(_ why: String) -> AuthError {
        AuthError.malformedMessage.with("the sign-in message is not a valid EIP-4361 message: \(why)")
    }

    private static func missing(_ name: String) -> AuthError {
        malformed("the '\(name): ' line is missing or out of order")
    }

    private static func field(_ name: String, from lines: inout Lines) throws(AuthError) -> String {
        let prefix = "\(name): "
        guard let line = lines.first, line.hasPrefix(prefix) else { throw missing(name) }
        lines.removeFirst()
        return String(line.dropFirst(prefix.count))
    }

    private static func date(_ name: String, from lines: inout Lines) throws(AuthError) -> Date {
        guard let date = RFC3339.parse(try field(name, from: &lines)) else {
            throw malformed("\(name) must be an RFC 3339 date-time such as 2025-01-01T00:00:00Z")
        }
        return date
    }

    private static func optionalDate(_ name: String, from lines: inout Lines) throws(AuthError) -> Date? {
        guard lines.first?.hasPrefix("\(name): ") == true else { return nil }
        return try date(name, from: &lines)
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    private static func isAlphanumeric(_ c: UInt8) -> Bool {
        isDigit(c) || (c | 0x20 >= UInt8(ascii: "a") && c | 0x20 <= UInt8(ascii: "z"))
    }

    private static func isScheme(_ text: Substring) -> Bool {
        guard let first = text.utf8.first, isAlphanumeric(first), !isDigit(first) else { return false }
        return text.utf8.allSatisfy {
            isAlphanumeric($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
        }
    }

    /// RFC 3986 unreserved, sub-delims, ":", "@", "[", "]" and percent signs: what an authority may hold.
    static func isAuthorityCharacter(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.isASCII else { return false }
        let c = UInt8(scalar.value)
        return isAlphanumeric(c) || "-._~!$&'()*+,;=:@[]%".utf8.contains(c)
    }

    /// A scheme, ":", and then only URI characters (no spaces or controls).
    static func isURI(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":"), isScheme(text[..<colon]) else { return false }
        return text.unicodeScalars.allSatisfy { scalar in
            guard scalar.isASCII else { return false }
            let c = UInt8(scalar.value)
            return isAlphanumeric(c) || "-._~!$&'()*+,;=:@/?#[]%".utf8.contains(c)
        }
    }
}
