import Foundation
import NodeTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A browser stand-in for the console tests: keeps its own cookies, never follows redirects
/// (so a test sees each 303 and its `Location`), and sends forms as a browser does.
final class ConsoleClient: @unchecked Sendable {
    struct Page {
        var status: Int
        var headers: [String: String]
        /// Every `Set-Cookie` line of the response.
        var setCookies: [String]
        var body: String

        func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name.lowercased() }?.value }

        /// The value of the hidden field `name` in the page's first form that has it.
        func hiddenField(_ name: String) -> String? {
            guard let range = body.range(of: "name=\"\(name)\" value=\"") else { return nil }
            return String(body[range.upperBound...].prefix { $0 != "\"" })
        }
    }

    /// Refuses every redirect. Stateless, so one session serves every client: a session holds its
    /// delegate until invalidated, and a session per client that was its own delegate was a
    /// reference cycle LeakSanitizer reported at exit.
    private final class RedirectRefuser: NSObject, URLSessionTaskDelegate, Sendable {
        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
            newRequest request: URLRequest,
            completionHandler: @escaping (URLRequest?) -> Void
        ) { completionHandler(nil) }
    }

    /// No cookie store (each client keeps its own cookies) and no redirects followed.
    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        return URLSession(configuration: configuration, delegate: RedirectRefuser(), delegateQueue: nil)
    }()

    let base: String
    private(set) var cookies: [String: String] = [:]

    init(_ node: InProcessNode) { base = "http://127.0.0.1:\(node.adminPort)" }

    func get(_ path: String, headers: [String: String] = [:]) async throws -> Page {
        try await send(path, method: "GET", body: nil, headers: headers)
    }

    /// Posts `fields` form-encoded, as a browser submits a form.
    func post(_ path: String, _ fields: [(String, String)], headers: [String: String] = [:]) async throws -> Page {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(
            separator: "&")
        var headers = headers
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return try await send(path, method: "POST", body: Data(body.utf8), headers: headers)
    }

    func send(_ path: String, method: String, body: Data?, headers: [String: String]) async throws -> Page {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        request.httpBody = body
        request.httpShouldHandleCookies = false
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if !cookies.isEmpty {
            request.setValue(
                cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "), forHTTPHeaderField: "Cookie")
        }
        let (data, response) = try await Self.session.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields { fields["\(key)"] = "\(value)" }
        let setCookies = (fields.first { $0.key.lowercased() == "set-cookie" }?.value).map(Self.splitSetCookie) ?? []
        for line in setCookies {
            let pair = line.split(separator: ";")[0].split(
                separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0])
            let value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || line.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        return Page(
            status: http.statusCode, headers: fields, setCookies: setCookies,
            body: String(decoding: data, as: UTF8.self))
    }

    /// Foundation joins repeated `Set-Cookie` headers with ", "; our cookies carry no commas
    /// (no `Expires`), so a split at ", " followed by a cookie name restores them.
    static func splitSetCookie(_ joined: String) -> [String] {
        joined.components(separatedBy: ", cloister_").enumerated().map {
            $0.offset == 0 ? $0.element : "cloister_" + $0.element
        }
    }

    /// Opens the sign-in form and submits `credential` with the form's token.
    func signIn(_ credential: String, next: String? = nil) async throws -> Page {
        let form = try await get("/console/sign-in" + (next.map { "?next=" + $0 } ?? ""))
        let token = try #require(form.hiddenField("form_token"))
        return try await post(
            "/console/sign-in",
            [("form_token", token), ("credential", credential), ("next", form.hiddenField("next") ?? "")])
    }
}
