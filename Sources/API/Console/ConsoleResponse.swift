import Hummingbird
import NIOCore

/// The headers every console response carries, and the response shapes the console sends.
enum ConsoleResponse {
    /// `HTTPField` (Hummingbird re-exports `HTTPFields`, not its element type).
    typealias HTTPField = HTTPFields.Element

    /// No script at all, styles from our own stylesheet only, images inline or ours, forms
    /// posting only here, and never inside a frame.
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    static let csp = HTTPField.Name("Content-Security-Policy")!
    static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let origin = HTTPField.Name("Origin")!
    static let fetchSite = HTTPField.Name("Sec-Fetch-Site")!

    /// Adds the security headers; every console response goes through here.
    static func secured(_ response: Response) -> Response {
        var response = response
        response.headers[csp] = contentSecurityPolicy
        response.headers[contentTypeOptions] = "nosniff"
        response.headers[referrerPolicy] = "no-referrer"
        response.headers[.cacheControl] = "no-store"
        return response
    }

    static func html(_ document: String, status: HTTPResponse.Status = .ok, cookies: [String] = []) -> Response {
        var response = Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: document)))
        for cookie in cookies { response.headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return secured(response)
    }

    /// 303 See Other: after a POST, or to send a signed-out browser to sign-in.
    static func redirect(to location: String, cookies: [String] = []) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location])
        for cookie in cookies { response.headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return secured(response)
    }

    /// A cookie for the console's path only, out of reach of scripts and of other sites' requests.
    static func cookie(_ name: String, _ value: String, maxAge: Int, secure: Bool) -> String {
        "\(name)=\(value); Path=/console; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    static func cookieValue(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0] == name { return String(pair[1]) }
            }
        }
        return nil
    }
}
