/// Why a credential was refused, or why the authentication configuration is unusable.
///
/// A closed set of reasons, compared by reason alone (``retryAfterSeconds`` included):
/// `error == .expired` holds whichever credential expired. The ``description`` says what
/// to do next and may name configured values (domain, chain id, issuer, a file path), but
/// never the presented token, key, signature or message, so errors can be logged and
/// returned to callers as they are.
public struct AuthError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Reason: Equatable, Sendable {
        case missingCredentials
        case unsupportedScheme
        case malformedAuthorizationHeader
        case malformedToken
        case malformedMessage
        case malformedSignature
        case badSignature
        case signerMismatch
        case nonceUnknownOrUsed
        case wrongDomain
        case wrongURI
        case wrongChainID
        case wrongAddress
        case expired
        case notYetValid
        case revoked
        case unknownSession
        case tooManySessions
        case notAdmitted
        case revocationsUnavailable
        case wrongIssuer
        case wrongAudience
        case unknownSigningKey
        case unsupportedAlgorithm
        case missingClaim
        case unknownAPIKey
        case rateLimited(retryAfterSeconds: Int)
        case invalidJWKS
        case jwksUnreadable
        case invalidConfiguration
    }

    let reason: Reason
    /// A complete message written by this module for this occurrence (never text from the
    /// credential); it replaces the reason's general message.
    let detail: String?

    init(_ reason: Reason, _ detail: String? = nil) {
        self.reason = reason
        self.detail = detail
    }

    /// No `Authorization` header, or an empty one.
    public static let missingCredentials = AuthError(.missingCredentials)
    /// An `Authorization` scheme other than `Bearer` (e.g. `Basic`).
    public static let unsupportedScheme = AuthError(.unsupportedScheme)
    /// `Bearer` without exactly one space and one token of RFC 6750 characters.
    public static let malformedAuthorizationHeader = AuthError(.malformedAuthorizationHeader)
    /// A session token, JWT or API key that cannot be decoded.
    public static let malformedToken = AuthError(.malformedToken)
    /// A sign-in message that is not EIP-4361 text.
    public static let malformedMessage = AuthError(.malformedMessage)
    /// A wallet signature that is not 65 canonical bytes (r ‖ s ‖ v, low s).
    public static let malformedSignature = AuthError(.malformedSignature)
    /// A signature or MAC that does not verify.
    public static let badSignature = AuthError(.badSignature)
    /// A sign-in message signed by another account than the one it names.
    public static let signerMismatch = AuthError(.signerMismatch)
    /// A nonce this node never issued, already consumed, or expired and dropped.
    public static let nonceUnknownOrUsed = AuthError(.nonceUnknownOrUsed)
    /// A sign-in message for another site (EIP-4361 `domain`).
    public static let wrongDomain = AuthError(.wrongDomain)
    /// A sign-in message for another resource (EIP-4361 `URI`).
    public static let wrongURI = AuthError(.wrongURI)
    /// A sign-in message for another chain.
    public static let wrongChainID = AuthError(.wrongChainID)
    /// A sign-in message naming another address than the one its challenge was issued for.
    public static let wrongAddress = AuthError(.wrongAddress)
    /// A challenge, session or JWT past its expiry (absolute or idle).
    public static let expired = AuthError(.expired)
    /// A message or JWT whose validity has not started yet.
    public static let notYetValid = AuthError(.notYetValid)
    /// A session that was signed out or revoked.
    public static let revoked = AuthError(.revoked)
    /// A genuine session token whose session this node no longer holds.
    public static let unknownSession = AuthError(.unknownSession)
    /// The node holds as many sessions as it is configured to.
    public static let tooManySessions = AuthError(.tooManySessions)
    /// A wallet that signed in correctly but may not use this node (not an active member).
    public static let notAdmitted = AuthError(.notAdmitted)
    /// The saved session revocations cannot be read or written (see ``SessionRevocationStore``).
    public static let revocationsUnavailable = AuthError(.revocationsUnavailable)
    /// A JWT from another identity provider.
    public static let wrongIssuer = AuthError(.wrongIssuer)
    /// A JWT issued for another application.
    public static let wrongAudience = AuthError(.wrongAudience)
    /// A JWT whose `kid` is not in the configured JWKS.
    public static let unknownSigningKey = AuthError(.unknownSigningKey)
    /// A JWT algorithm outside the asymmetric set this node accepts (never `none` or HMAC).
    public static let unsupportedAlgorithm = AuthError(.unsupportedAlgorithm)
    /// A JWT without a claim this node requires (`sub`, `exp`, `iss`, `aud`).
    public static let missingClaim = AuthError(.missingClaim)
    /// An API key whose hash is not configured.
    public static let unknownAPIKey = AuthError(.unknownAPIKey)
    /// Too many failed attempts from this source; try again after the given number of seconds.
    public static func rateLimited(retryAfterSeconds: Int) -> AuthError {
        AuthError(.rateLimited(retryAfterSeconds: retryAfterSeconds))
    }
    /// A JWKS document that cannot be used (not JSON, no keys, a private or unsupported key).
    public static let invalidJWKS = AuthError(.invalidJWKS)
    /// A JWKS file that cannot be read.
    public static let jwksUnreadable = AuthError(.jwksUnreadable)
    /// Settings that cannot work (an empty issuer, a URL where a domain belongs, …).
    public static let invalidConfiguration = AuthError(.invalidConfiguration)

    /// Seconds to wait before trying again, for ``rateLimited(retryAfterSeconds:)``; nil otherwise.
    /// The HTTP layer turns it into `429` with `Retry-After`; every other reason is a `401`.
    public var retryAfterSeconds: Int? {
        if case .rateLimited(let seconds) = reason { return seconds }
        return nil
    }

    /// True for failures of the node's own configuration or storage rather than of a presented credential.
    public var isConfigurationError: Bool {
        reason == .invalidJWKS || reason == .jwksUnreadable || reason == .invalidConfiguration
            || reason == .revocationsUnavailable
    }

    public static func == (a: AuthError, b: AuthError) -> Bool { a.reason == b.reason }

    public var description: String {
        if let detail { return detail }
        let base: String
        switch reason {
        case .missingCredentials: base = "no credentials: send the header 'Authorization: Bearer <token>'"
        case .unsupportedScheme:
            base = "the Authorization header must use the Bearer scheme: 'Authorization: Bearer <token>'"
        case .malformedAuthorizationHeader:
            base = "the Authorization header must be 'Bearer', one space, and one token (no other spaces)"
        case .malformedToken: base = "the token is malformed"
        case .malformedMessage:
            base =
                "the sign-in message is not a valid EIP-4361 message; sign the text returned by /auth/challenge unchanged"
        case .malformedSignature:
            base =
                "the signature must be 0x followed by 65 bytes (r, s, v with v = 27/28 or 0/1, and low s as EIP-2 requires)"
        case .badSignature: base = "the signature does not verify"
        case .signerMismatch:
            base = "the message was signed by a different account than the address it names: sign with that account"
        case .nonceUnknownOrUsed:
            base = "the nonce was not issued by this node, was already used, or has expired: request a new challenge"
        case .wrongDomain: base = "the sign-in message is for another domain"
        case .wrongURI: base = "the sign-in message is for another URI"
        case .wrongChainID: base = "the sign-in message is for another chain"
        case .wrongAddress:
            base = "the sign-in message names another address than the one the challenge was requested for"
        case .expired: base = "the credential has expired"
        case .notYetValid: base = "the credential is not valid yet"
        case .revoked: base = "the session was revoked or signed out: sign in again"
        case .unknownSession:
            base = "the session is not known to this node (it ended or the node restarted): sign in again"
        case .tooManySessions: base = "this node holds the maximum number of sessions: try again later"
        case .notAdmitted: base = "this account may not sign in to this node: it is not an active member"
        case .revocationsUnavailable: base = "the saved session revocations cannot be read or written"
        case .wrongIssuer: base = "the token was issued by another identity provider"
        case .wrongAudience: base = "the token was issued for another application"
        case .unknownSigningKey:
            base =
                "the token is signed with a key that is not in the configured JWKS (the provider may have rotated its keys)"
        case .unsupportedAlgorithm:
            base =
                "the token's algorithm is not accepted (accepted: RS256/384/512, PS256/384/512, ES256/384/512, EdDSA)"
        case .missingClaim: base = "the token lacks a required claim"
        case .unknownAPIKey: base = "the API key is not configured on this node"
        case .rateLimited(let seconds):
            base = "too many failed sign-in attempts: try again in \(seconds) second\(seconds == 1 ? "" : "s")"
        case .invalidJWKS: base = "the JWKS cannot be used"
        case .jwksUnreadable: base = "the JWKS file cannot be read"
        case .invalidConfiguration: base = "the authentication settings cannot work"
        }
        return base
    }

    /// The same reason with a message specific to this occurrence.
    func with(_ message: String) -> AuthError { AuthError(reason, message) }
}
