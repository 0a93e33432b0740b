import API

/// Fixed bearer tokens → identities: a test double for the member API's authenticator.
struct StaticTokenAuthenticator: CallerAuthenticator {
    let identities: [String: CallerIdentity]

    init(_ identities: [String: CallerIdentity]) { self.identities = identities }

    func authenticate(authorization: String?, source: String) async -> Result<CallerIdentity, AuthenticationFailure> {
        guard let authorization, authorization.hasPrefix("Bearer ") else {
            return .failure(AuthenticationFailure("missing bearer token: send 'Authorization: Bearer <token>'"))
        }
        guard let identity = identities[String(authorization.dropFirst(7))] else {
            return .failure(AuthenticationFailure("invalid or expired token"))
        }
        return .success(identity)
    }
}
