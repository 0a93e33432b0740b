/// The `Authorization: Bearer <token>` header (RFC 6750 §2.1).
public enum BearerToken {
    /// Longer headers are refused before any other work: no credential this node issues or
    /// accepts comes close, and a bound keeps hostile input cheap.
    public static let maximumLength = 16 * 1024

    /// The token from an `Authorization` header value.
    ///
    /// The scheme is case-insensitive; it is followed by exactly one space and one non-empty
    /// token of RFC 6750 `b64token` characters. Anything else is refused rather than trimmed,
    /// so that a header is either plainly right or plainly wrong.
    public static func parse(_ header: String?) throws(AuthError) -> String {
        guard let header, !header.isEmpty else { throw .missingCredentials }
        let bytes = Array(header.utf8)
        guard bytes.count <= maximumLength else {
            throw AuthError.malformedAuthorizationHeader.with(
                "the Authorization header is longer than \(maximumLength) bytes")
        }
        let scheme = bytes.prefix { $0 != UInt8(ascii: " ") }
        guard scheme.count == 6, String(decoding: scheme, as: UTF8.self).lowercased() == "bearer" else {
            // Only the scheme is judged here: the rest may be a password (Basic) and is never echoed.
            throw scheme.isEmpty ? .malformedAuthorizationHeader : .unsupportedScheme
        }
        let token = bytes.dropFirst(7)
        guard bytes.count > 7, isToken(token) else { throw .malformedAuthorizationHeader }
        return String(decoding: token, as: UTF8.self)
    }

    /// `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`
    private static func isToken(_ token: ArraySlice<UInt8>) -> Bool {
        let body = token.reversed().drop { $0 == UInt8(ascii: "=") }
        guard !body.isEmpty else { return false }
        return body.allSatisfy { character in
            switch character {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"),
                UInt8(ascii: "/"):
                return true
            default:
                return false
            }
        }
    }
}
