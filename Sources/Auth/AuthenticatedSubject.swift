import Primitives

/// Who a verified credential belongs to, before policy maps it to a member.
///
/// Each case carries only what its credential proves: a wallet sign-in proves control of an
/// address, an OIDC token proves what its identity provider asserts, an API key proves
/// possession of a configured key (identified by its hash, so the key itself is never kept).
public enum AuthenticatedSubject: Sendable, Hashable {
    /// Wallet sign-in (EIP-4361) or a session token issued for it.
    case wallet(Address)
    /// An OIDC identity token: its `sub`, and its `email` unless the provider says it is unverified.
    case oidc(subject: String, email: String?)
    /// An API key, as the SHA-256 of the presented key.
    case apiKey(hash: Hash32)
}

/// Which verifier a bearer token is meant for, told apart by its shape alone.
///
/// One `Authorization: Bearer` header carries all three kinds of credential; the prefixes
/// this module issues (`cls1_` sessions, `clk_` API keys) and the JWT's two dots let the HTTP
/// layer route a token without trying every verifier (which would multiply failures in logs
/// and rate limits).
public enum CredentialKind: Sendable, Hashable {
    case sessionToken
    case apiKey
    case jwt

    /// The kind of `token`; tokens of no known shape are API keys, because operators may
    /// configure hashes of keys they generated elsewhere.
    public init(token: String) {
        if token.hasPrefix(SessionToken.prefix) {
            self = .sessionToken
        } else if token.utf8.count(where: { $0 == UInt8(ascii: ".") }) == 2 {
            self = .jwt
        } else {
            self = .apiKey
        }
    }
}
