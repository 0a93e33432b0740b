import Foundation
import PostgresNIO
import Store

/// Where the store's database is: a `postgresql://` URL without a password (the password comes
/// from a file or an environment variable, read by the caller), as postgres-nio configurations.
///
/// - `postgresql://USER@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]` (TCP; `prefer` by default)
/// - `postgresql://USER@/DATABASE?host=/run/postgresql` (a Unix socket folder, as libpq's `host`)
public struct PostgresLocation: Sendable, CustomStringConvertible {
    public enum TLSMode: String, Sendable { case disable, prefer, require }

    public var host: String
    public var port: Int
    /// The Unix socket file, when the URL names a socket folder.
    public var socketPath: String?
    public var user: String
    public var database: String
    public var tls: TLSMode
    var password: String?

    public init(url text: String, password: String?) throws(StoreError) {
        func refuse(_ reason: String) -> StoreError {
            .database("the PostgreSQL URL \(Self.redacted(text)) \(reason)")
        }
        guard let url = URLComponents(string: text), let scheme = url.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw refuse("is not a postgresql://user@host:port/database URL")
        }
        guard url.password == nil else {
            throw refuse("holds a password: give it in a file or an environment variable instead, never in the URL")
        }
        guard let user = url.user, !user.isEmpty else { throw refuse("names no user (postgresql://USER@host/database)") }
        let database = String(url.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw refuse("names no database (postgresql://user@host/DATABASE)") }
        var tls = TLSMode.prefer
        var socketFolder: String?
        for item in url.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw refuse("has sslmode=\(item.value ?? ""); use disable, prefer or require")
                }
                tls = mode
            case "host": socketFolder = item.value
            default: throw refuse("has the unknown parameter \(item.name) (known: sslmode, host)")
            }
        }
        self.user = user
        self.database = database
        self.tls = tls
        self.password = password
        port = url.port ?? 5432
        if let socketFolder {
            guard socketFolder.hasPrefix("/") else { throw refuse("has host=\(socketFolder); a socket folder is an absolute path") }
            host = "localhost"
            socketPath = socketFolder + "/.s.PGSQL.\(port)"
        } else {
            guard let host = url.host, !host.isEmpty else { throw refuse("names no host") }
            self.host = host
        }
    }

    /// The URL with any password replaced, for messages.
    static func redacted(_ text: String) -> String {
        guard var url = URLComponents(string: text), url.password != nil else { return text }
        url.password = "***"
        return url.string ?? "<the configured URL>"
    }

    public var description: String {
        socketPath.map { "postgresql://\(user)@\($0)/\(database)" } ?? "postgresql://\(user)@\(host):\(port)/\(database)"
    }

    private func tlsConfiguration() throws -> PostgresConnection.Configuration.TLS {
        switch tls {
        case .disable: return .disable
        case .prefer: return .prefer(try .init(configuration: .makeClientConfiguration()))
        case .require: return .require(try .init(configuration: .makeClientConfiguration()))
        }
    }

    var clientConfiguration: PostgresClient.Configuration {
        if let socketPath {
            return PostgresClient.Configuration(unixSocketPath: socketPath, username: user, password: password, database: database)
        }
        let tls: PostgresClient.Configuration.TLS
        switch self.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require: tls = .require(.makeClientConfiguration())
        }
        return PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
    }

    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        if let socketPath {
            return PostgresConnection.Configuration(unixSocketPath: socketPath, username: user, password: password, database: database)
        }
        return PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: try tlsConfiguration())
    }
}
