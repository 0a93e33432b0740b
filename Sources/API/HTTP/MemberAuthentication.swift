import Auth
import Foundation
import Hummingbird
import Logging
import Node
import Policy
import Primitives
import Sequencer

/// Resolves bearer tokens — wallet sessions, OIDC JWTs, API keys — to the member policy names,
/// refusing non-members and suspended members before any JSON-RPC work.
public struct PolicyAuthenticator: CallerAuthenticator {
    let chain: Chain
    let wallet: WalletSignIn
    let oidc: OIDCVerifier?

    public init(chain: Chain, wallet: WalletSignIn, oidc: OIDCVerifier?) {
        self.chain = chain
        self.wallet = wallet
        self.oidc = oidc
    }

    public func authenticate(authorization: String?, source: String) async -> Result<CallerIdentity, AuthenticationFailure> {
        let token: String
        do { token = try BearerToken.parse(authorization) } catch { return .failure(AuthenticationFailure(error.description)) }
        let policy = chain.currentPolicy
        do {
            switch CredentialKind(token: token) {
            case .sessionToken:
                let address = try await wallet.verify(sessionToken: token)
                return Self.identity(policy: policy, member: policy?.member(address), fallback: address)
            case .jwt:
                guard let oidc else { return .failure(AuthenticationFailure("this node accepts no OIDC tokens")) }
                let subject = try await oidc.verify(token)
                return Self.identity(policy: policy, member: policy?.member(oidcSubject: subject.subject), fallback: nil)
            case .apiKey:
                return Self.identity(policy: policy, member: policy?.member(apiKeyHash: APIKeys.hash(token)), fallback: nil)
            }
        } catch {
            return .failure(AuthenticationFailure(error.description))
        }
    }

    /// The caller as policy defines it; without a policy (tests), the signed-in address alone.
    static func identity(policy: CompiledPolicy?, member: PolicyMember?, fallback: Address?) -> Result<CallerIdentity, AuthenticationFailure> {
        guard let policy else {
            guard let fallback else { return .failure(AuthenticationFailure("unknown credentials")) }
            return .success(CallerIdentity(name: fallback.checksummed, addresses: [fallback]))
        }
        guard let member else { return .failure(AuthenticationFailure("these credentials belong to no member of this chain")) }
        guard member.status == .active else {
            return .failure(AuthenticationFailure("member \(member.name) is suspended; ask the operator to reinstate access"))
        }
        let first = member.addresses.first ?? .zero
        return .success(
            CallerIdentity(
                name: member.name, addresses: Set(member.addresses),
                readAll: policy.hasSystemPermission(first, .readAll),
                submitForOthers: policy.hasSystemPermission(first, .submitForOthers),
                adminRead: policy.hasSystemPermission(first, .adminRead)))
    }
}

/// The member API: `/auth/challenge`, `/auth/login` and JSON-RPC at `/` and `/rpc`; and the
/// admin API on its own listener, which accepts the same bearer tokens.
public enum MemberAPI {
    /// The file in the data directory that keeps wallet-session revocations across restarts.
    public static let revocationsFileName = "session-revocations.sealed"

    /// Installs every member-facing route on the node's router and, when given, the admin
    /// routes on the admin listener's router (one sign-in serves both).
    ///
    /// Wallet sessions survive a restart: their key is derived from the chain's data key
    /// (`Chain.secret(purpose:)`), and revocations are kept, sealed, beside the chain's data
    /// (``revocationsFileName``) until the tokens they name expire.
    public static func install(
        on router: Router<NodeRequestContext>, admin adminRouter: Router<NodeRequestContext>? = nil, chain: Chain, logger: Logger,
        oidc: OIDCVerifier? = nil, rateLimiter: LoginRateLimiter = LoginRateLimiter()
    ) {
        let config = chain.config
        let domain = "\(config.listenHost):\(config.listenPort)"
        let revocations = SealedFileSessionRevocationStore(
            path: config.dataDirectory + "/" + revocationsFileName, key: chain.secret(purpose: "session-revocations"))
        let wallet = WalletSignIn(
            configuration: .init(domain: domain, uri: "http://\(domain)", chainID: config.chain.chainID),
            sessionKey: chain.secret(purpose: "session-tokens"), revocations: revocations)
        if let failure = wallet.restoreFailure {
            logger.warning(
                "wallet sessions from before this start are refused: their revocations cannot be read",
                metadata: ["reason": "\(failure)", "file": "\(revocations.path)"])
        }
        let authenticator = PolicyAuthenticator(chain: chain, wallet: wallet, oidc: oidc)
        AuthRoutes.install(on: router, chain: chain, wallet: wallet, rateLimiter: rateLimiter, logger: logger)
        RPCRoutes.install(on: router, chain: chain, authenticator: authenticator, logger: logger)
        if let adminRouter {
            AdminRoutes.install(on: adminRouter, chain: chain, authenticator: authenticator, logger: logger)
        }
    }
}

/// Wallet sign-in (EIP-4361) over HTTP.
enum AuthRoutes {
    static func install(
        on router: Router<NodeRequestContext>, chain: Chain, wallet: WalletSignIn, rateLimiter: LoginRateLimiter, logger: Logger
    ) {
        router.post("/auth/challenge") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 4_096)
            guard let object = try? JSON.parse(Array(buffer: body)), let text = object["address"]?.stringValue,
                let address = try? Address(hex: text)
            else { return json(.badRequest, .object([("error", .string("send {\"address\": \"0x…\"} with a valid address"))])) }
            let challenge = await wallet.challenge(for: address)
            return json(
                .ok,
                .object([
                    ("message", .string(challenge.message)), ("nonce", .string(challenge.nonce)),
                    ("expiresAt", .string(ISO8601DateFormatter().string(from: challenge.expiresAt))),
                ]))
        }

        router.post("/auth/login") { request, context -> Response in
            let source = context.remoteAddress?.ipAddress ?? "unknown"
            do throws(AuthError) {
                try await rateLimiter.check(source: source)
            } catch {
                var response = json(.tooManyRequests, .object([("error", .string(error.description))]))
                if let retry = error.retryAfterSeconds { response.headers[.retryAfter] = String(retry) }
                return response
            }
            let body = try await request.body.collect(upTo: 16_384)
            guard let object = try? JSON.parse(Array(buffer: body)), let message = object["message"]?.stringValue,
                let signature = object["signature"]?.stringValue
            else {
                await rateLimiter.recordFailure(source: source)
                return json(.badRequest, .object([("error", .string("send {\"message\": …, \"signature\": \"0x…\"}"))]))
            }
            do {
                // No session is opened for a non-member, so there is nothing to revoke.
                let session = try await wallet.login(message: message, signature: signature) { address in
                    guard let policy = chain.currentPolicy else { return true }
                    return policy.member(address)?.status == .active
                }
                await rateLimiter.recordSuccess(source: source)
                await chain.audit(
                    AuditEntry(
                        kind: .loginSucceeded, time: UInt64(Date().timeIntervalSince1970 * 1000), actor: session.address.checksummed,
                        outcome: "allow", detail: "wallet sign-in from \(source)"))
                return json(
                    .ok,
                    .object([
                        ("token", .string(session.token)),
                        ("expiresAt", .string(ISO8601DateFormatter().string(from: session.expiresAt))),
                    ]))
            } catch {
                await rateLimiter.recordFailure(source: source)
                let reason = (error as? AuthError)?.description ?? "sign-in refused"
                await chain.audit(
                    AuditEntry(
                        kind: .loginFailed, time: UInt64(Date().timeIntervalSince1970 * 1000), outcome: "deny",
                        detail: "wallet sign-in from \(source) refused: \(reason)"))
                logger.notice("sign-in refused", metadata: ["source": "\(source)", "reason": "\(reason)"])
                return json(.unauthorized, .object([("error", .string(reason))]))
            }
        }
    }

    static func json(_ status: HTTPResponse.Status, _ value: JSON) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: value.serialized)))
    }
}
