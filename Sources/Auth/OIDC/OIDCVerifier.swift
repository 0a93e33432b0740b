import JWTKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// OIDC identity tokens (JWTs) checked against a configured JWKS, issuer and audience.
///
/// Signatures are checked by jwt-kit; everything around them is decided here, before or after
/// it: only asymmetric algorithms (a JWKS never holds a shared secret, so `none` and HMAC are
/// refused outright), the header's `alg` must be the algorithm of the key its `kid` names,
/// and the claims (`iss`, `aud`, `exp`, `nbf`, `iat`, `sub`) are checked only once the
/// signature holds, so nothing unsigned decides which error a caller sees.
public actor OIDCVerifier {
    /// The JWS algorithms accepted in tokens and JWKS keys.
    public static let acceptedAlgorithms: Set<String> = [
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
    ]
    /// Longer tokens are refused before decoding anything.
    public static let maximumTokenLength = 16 * 1024

    private var keys: JWTKeyCollection
    /// A key's type (`RSA`, `EC`, `OKP`) and declared algorithm, if any.
    private typealias KeyInfo = (keyType: String, algorithm: String?)
    /// kid → what the header's `alg` must agree with.
    private var keyInfo: [String: KeyInfo]
    private let issuer: String
    private let audience: String
    private let leeway: TimeInterval
    private let clock: @Sendable () -> Date

    /// - Parameters:
    ///   - jwksJSON: the identity provider's JSON Web Key Set. Keys marked `"use": "enc"` or
    ///     with an `RSA-OAEP` algorithm are skipped; every other key must be a public RSA, EC or
    ///     OKP key with a unique `kid` and, if it declares one, an accepted algorithm.
    ///   - issuer: the exact `iss` the provider writes (e.g. `https://login.example.com/realms/bank`).
    ///   - audience: this node's client id; tokens must list it in `aud`.
    ///   - leeway: clock skew tolerated on `exp`, `nbf` and `iat`.
    public init(
        jwksJSON: String, issuer: String, audience: String, leeway: Duration = .seconds(30),
        clock: @escaping @Sendable () -> Date = Date.init
    ) async throws(AuthError) {
        try Self.checkSettings(issuer: issuer, audience: audience)
        let (keys, keyInfo) = try await Self.makeKeys(jwksJSON: jwksJSON)
        self.init(keys: keys, keyInfo: keyInfo, issuer: issuer, audience: audience, leeway: leeway, clock: clock)
    }

    /// A verifier whose JWKS is read from `jwksFile`; errors name the file and what is wrong with it.
    public static func loading(
        jwksFile: String, issuer: String, audience: String, leeway: Duration = .seconds(30),
        clock: @escaping @Sendable () -> Date = Date.init
    ) async throws(AuthError) -> OIDCVerifier {
        try checkSettings(issuer: issuer, audience: audience)
        let json = try readJWKS(file: jwksFile)
        let (keys, keyInfo): (JWTKeyCollection, [String: KeyInfo])
        do {
            (keys, keyInfo) = try await makeKeys(jwksJSON: json)
        } catch {
            throw AuthError.invalidJWKS.with("JWKS file \(jwksFile): \(error)")
        }
        return OIDCVerifier(
            keys: keys, keyInfo: keyInfo, issuer: issuer, audience: audience, leeway: leeway, clock: clock)
    }

    private init(
        keys: JWTKeyCollection, keyInfo: [String: KeyInfo], issuer: String, audience: String, leeway: Duration,
        clock: @escaping @Sendable () -> Date
    ) {
        self.keys = keys
        self.keyInfo = keyInfo
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway.timeInterval
        self.clock = clock
    }

    private static func checkSettings(issuer: String, audience: String) throws(AuthError) {
        guard !issuer.isEmpty else { throw AuthError.invalidConfiguration.with("the OIDC issuer must not be empty") }
        guard !audience.isEmpty else {
            throw AuthError.invalidConfiguration.with("the OIDC audience (this node's client id) must not be empty")
        }
    }

    /// Replaces the keys (the provider rotated them); the old set stays if the new one is unusable.
    public func replaceKeys(jwksJSON: String) async throws(AuthError) {
        (keys, keyInfo) = try await Self.makeKeys(jwksJSON: jwksJSON)
    }

    /// Reads a JWKS file, with an error that says which file and why.
    public static func readJWKS(file path: String) throws(AuthError) -> String {
        var isDirectory = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw AuthError.jwksUnreadable.with(
                "JWKS file \(path) does not exist: download the identity provider's JWKS (its jwks_uri) to that path")
        }
        guard !isDirectory else { throw AuthError.jwksUnreadable.with("JWKS file \(path) is a directory, not a file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuthError.jwksUnreadable.with("JWKS file \(path) cannot be read: check its permissions")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw AuthError.invalidJWKS.with("JWKS file \(path) is not UTF-8 text")
        }
        return text
    }

    /// The subject (and e-mail) of a genuine, current token issued for this node.
    ///
    /// `email` is returned only when the provider does not mark it unverified
    /// (`email_verified: false`), since policy may map e-mail addresses to members.
    public func verify(_ token: String) async throws(AuthError) -> (subject: String, email: String?) {
        let header = try Self.header(of: token)
        guard let algorithm = header.alg, Self.acceptedAlgorithms.contains(algorithm) else {
            throw .unsupportedAlgorithm
        }
        guard header.crit == nil else {
            throw AuthError.malformedToken.with(
                "the token marks header extensions as critical ('crit'); none are supported")
        }
        let info: KeyInfo
        if let named = header.kid {
            guard let found = keyInfo[named] else { throw .unknownSigningKey }
            info = found
        } else if keyInfo.count == 1, let only = keyInfo.values.first {
            info = only
        } else {
            throw AuthError.unknownSigningKey.with(
                "the token names no signing key ('kid') and the JWKS holds several: the provider must set 'kid'")
        }
        guard Self.keyType(for: algorithm) == info.keyType, info.algorithm == nil || info.algorithm == algorithm else {
            throw AuthError.unsupportedAlgorithm.with("the token's algorithm is not the algorithm of the key it names")
        }

        let claims: IdentityClaims
        do {
            claims = try await keys.verify(token, as: IdentityClaims.self)
        } catch let error as JWTError where error.errorType == .malformedToken {
            throw AuthError.malformedToken.with("the token's signature or payload cannot be decoded as a JWT")
        } catch {
            throw AuthError.badSignature.with("the token's signature does not verify with the configured JWKS")
        }
        return try check(claims)
    }

    private func check(_ claims: IdentityClaims) throws(AuthError) -> (subject: String, email: String?) {
        let now = clock()
        guard let iss = claims.iss?.value else { throw AuthError.missingClaim.with("the token has no 'iss' claim") }
        guard iss == issuer else { throw AuthError.wrongIssuer.with("the token was not issued by \(issuer)") }
        guard let aud = claims.aud?.value, !aud.isEmpty else {
            throw AuthError.missingClaim.with("the token has no 'aud' claim")
        }
        guard aud.contains(audience) else {
            throw AuthError.wrongAudience.with("the token was not issued for this node's client id \(audience)")
        }
        guard let exp = claims.exp?.value else { throw AuthError.missingClaim.with("the token has no 'exp' claim") }
        guard now.timeIntervalSince(exp) < leeway else {
            throw AuthError.expired.with("the identity token has expired: obtain a new one from the identity provider")
        }
        if let nbf = claims.nbf?.value, nbf.timeIntervalSince(now) > leeway {
            throw AuthError.notYetValid.with("the identity token is not valid yet ('nbf' is in the future)")
        }
        if let iat = claims.iat?.value, iat.timeIntervalSince(now) > leeway {
            throw AuthError.notYetValid.with(
                "the identity token claims to be issued in the future ('iat'): check the clocks of the node and provider"
            )
        }
        guard let sub = claims.sub?.value, !sub.isEmpty else {
            throw AuthError.missingClaim.with("the token has no 'sub' claim")
        }
        let email = claims.email_verified?.value == false ? nil : claims.email
        return (sub, email)
    }

    // MARK: - Token header

    private struct Header: Decodable {
        var alg: String?
        var kid: String?
        var crit: [String]?
    }

    private static func header(of token: String) throws(AuthError) -> Header {
        guard !token.isEmpty else { throw .missingCredentials }
        let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard token.utf8.count <= maximumTokenLength, parts.count == 3, parts.allSatisfy({ !$0.isEmpty }),
            let bytes = Base64URL.decode(utf8: parts[0]),
            let header = try? JSONDecoder().decode(Header.self, from: Data(bytes))
        else {
            throw AuthError.malformedToken.with("the token is not a JWT (three base64url parts, a JSON header)")
        }
        return header
    }

    private static func keyType(for algorithm: String) -> String {
        switch algorithm.prefix(2) {
        case "RS", "PS": return "RSA"
        case "ES": return "EC"
        default: return "OKP"
        }
    }

    // MARK: - JWKS

    /// What is checked of each key before jwt-kit sees it.
    private struct KeyEntry: Decodable {
        var kty: String?
        var kid: String?
        var alg: String?
        var use: String?
        var d: String?
        var jwk: JWK?

        private enum CodingKeys: String, CodingKey { case kty, kid, alg, use, d }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            kty = try container.decodeIfPresent(String.self, forKey: .kty)
            kid = try container.decodeIfPresent(String.self, forKey: .kid)
            alg = try container.decodeIfPresent(String.self, forKey: .alg)
            use = try container.decodeIfPresent(String.self, forKey: .use)
            d = try container.decodeIfPresent(String.self, forKey: .d)
            jwk = try? JWK(from: decoder)
        }
    }

    private struct KeySet: Decodable {
        var keys: [KeyEntry]
    }

    private static func makeKeys(
        jwksJSON: String
    ) async throws(AuthError) -> (JWTKeyCollection, [String: KeyInfo]) {
        let set: KeySet
        do {
            set = try JSONDecoder().decode(KeySet.self, from: Data(jwksJSON.utf8))
        } catch {
            throw AuthError.invalidJWKS.with("the JWKS is not a JSON Web Key Set (a JSON object with a \"keys\" array)")
        }
        let collection = JWTKeyCollection()
        var info: [String: KeyInfo] = [:]
        for (index, entry) in set.keys.enumerated() {
            if entry.use == "enc" || entry.alg?.hasPrefix("RSA-OAEP") == true { continue }
            let name = entry.kid.map { "key '\($0)'" } ?? "key #\(index + 1)"
            guard let kid = entry.kid, !kid.isEmpty else {
                throw AuthError.invalidJWKS.with("the JWKS's \(name) has no 'kid': each key needs one")
            }
            guard info[kid] == nil else { throw AuthError.invalidJWKS.with("the JWKS names \(name) twice") }
            guard entry.d == nil else {
                throw AuthError.invalidJWKS.with(
                    "the JWKS's \(name) is a private key: configure the provider's public keys only")
            }
            guard let kty = entry.kty, ["RSA", "EC", "OKP"].contains(kty) else {
                throw AuthError.invalidJWKS.with(
                    "the JWKS's \(name) has an unsupported key type (RSA, EC or OKP expected)")
            }
            if let alg = entry.alg, !acceptedAlgorithms.contains(alg) || keyType(for: alg) != kty {
                throw AuthError.invalidJWKS.with(
                    "the JWKS's \(name) has algorithm \(alg); accepted: \(acceptedAlgorithms.sorted().joined(separator: ", "))"
                )
            }
            guard let jwk = entry.jwk else {
                throw AuthError.invalidJWKS.with("the JWKS's \(name) is not a valid JSON Web Key")
            }
            do {
                try await collection.add(jwk: jwk)
            } catch {
                throw AuthError.invalidJWKS.with("the JWKS's \(name) cannot be used: \(error)")
            }
            info[kid] = (kty, entry.alg)
        }
        guard !info.isEmpty else { throw AuthError.invalidJWKS.with("the JWKS has no signing keys") }
        return (collection, info)
    }
}

/// The claims of an OIDC identity token this node reads. All optional, so that a missing
/// claim is reported by name rather than as an undecodable payload.
private struct IdentityClaims: JWTPayload {
    var iss: IssuerClaim?
    var sub: SubjectClaim?
    var aud: AudienceClaim?
    var exp: ExpirationClaim?
    var nbf: NotBeforeClaim?
    var iat: IssuedAtClaim?
    var email: String?
    var email_verified: BoolClaim?

    /// Claims are checked by ``OIDCVerifier`` after the signature, with typed errors.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
