import Auth
import Foundation
import Node
import NodeConfiguration
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Builds the OIDC verifier from the config: the JWKS from a file, or fetched from the
/// identity provider's `jwks_uri` at start (the Auth module itself does no HTTP).
public enum OIDCSetup {
    public static func verifier(_ settings: NodeConfig.OIDC) async throws -> OIDCVerifier {
        guard settings.jwks.hasPrefix("https://") || settings.jwks.hasPrefix("http://") else {
            return try await OIDCVerifier.loading(jwksFile: settings.jwks, issuer: settings.issuer, audience: settings.audience)
        }
        guard let url = URL(string: settings.jwks) else { throw OIDCSetupError("auth.oidc.jwks '\(settings.jwks)' is not a URL") }
        var request = URLRequest(url: url, timeoutInterval: 10)
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw OIDCSetupError("cannot fetch the JWKS from \(settings.jwks): \(error.localizedDescription)")
        }
        guard let status = (response as? HTTPURLResponse)?.statusCode, status == 200 else {
            throw OIDCSetupError("the JWKS at \(settings.jwks) answered HTTP \((response as? HTTPURLResponse)?.statusCode ?? 0)")
        }
        return try await OIDCVerifier(
            jwksJSON: String(decoding: data, as: UTF8.self), issuer: settings.issuer, audience: settings.audience)
    }
}

/// Why the OIDC verifier could not be set up.
public struct OIDCSetupError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
