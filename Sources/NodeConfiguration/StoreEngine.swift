import ConfigFiles
import Foundation

/// Which engine holds the chain (`[storage] engine`): SQLite in the data directory (the embedded
/// default), or a PostgreSQL database. `NodeRuntime.openStore` is the one place that opens it.
public enum StoreEngine: Sendable, Equatable {
    case sqlite
    case postgres(PostgresSettings)

    /// "sqlite" or "postgres", as in the config and on `/health`.
    public var name: String {
        switch self {
        case .sqlite: return "sqlite"
        case .postgres: return "postgres"
        }
    }
}

/// Where the PostgreSQL database is and where its password comes from. The URL never holds the
/// password: a config file is read by many people and copied to many places.
public struct PostgresSettings: Sendable, Equatable {
    public enum PasswordSource: Sendable, Equatable {
        /// No password (a Unix socket with peer authentication, or a trusted network).
        case none
        /// A file holding the password (its first line).
        case file(String)
        /// An environment variable of the node's process.
        case environment(String)
    }

    /// `postgresql://USER@HOST[:PORT]/DATABASE[?sslmode=…]`, or `?host=/socket/folder`.
    public var url: String
    public var password: PasswordSource

    public init(url: String, password: PasswordSource) {
        self.url = url
        self.password = password
    }

    /// The password, read now from its file or environment variable.
    public func readPassword() throws(ConfigError) -> String? {
        switch password {
        case .none:
            return nil
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigError(file: path, key: nil, problem: "the PostgreSQL password file cannot be read")
            }
            return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        case .environment(let name):
            guard let value = ProcessInfo.processInfo.environment[name] else {
                throw ConfigError(
                    file: "environment", key: name, problem: "the PostgreSQL password variable \(name) is not set in the node's environment")
            }
            return value
        }
    }

    /// `[storage]`'s engine keys: `engine`, and for "postgres" `postgres_url` with at most one
    /// of `postgres_password_file` and `postgres_password_env`.
    static func parseEngine(_ storage: TableReader, _ paths: ConfigPaths) throws(ConfigError) -> StoreEngine {
        let engine = try storage.optionalString("engine") ?? "sqlite"
        let url = try storage.optionalString("postgres_url")
        let passwordFile = try storage.optionalString("postgres_password_file")
        let passwordEnvironment = try storage.optionalString("postgres_password_env")
        switch engine {
        case "sqlite":
            for key in ["postgres_url", "postgres_password_file", "postgres_password_env"] where storage.contains(key) {
                throw storage.error(key, "is set but engine is \"sqlite\"; set engine = \"postgres\" or remove it")
            }
            return .sqlite
        case "postgres":
            guard let url else { throw storage.error("postgres_url", "is required with engine = \"postgres\"") }
            guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? "") else {
                throw storage.error("postgres_url", "'\(url)' must be postgresql://user@host:port/database")
            }
            guard components.password == nil else {
                throw storage.error(
                    "postgres_url", "holds a password: never put it in the config; use postgres_password_file or postgres_password_env")
            }
            let password: PasswordSource
            switch (passwordFile, passwordEnvironment) {
            case (nil, nil): password = .none
            case (let file?, nil): password = .file(paths.resolve(file))
            case (nil, let name?): password = .environment(name)
            case (.some, .some):
                throw storage.error("postgres_password_env", "set only one of postgres_password_file and postgres_password_env")
            }
            return .postgres(PostgresSettings(url: url, password: password))
        default:
            throw storage.error("engine", "'\(engine)' is not a store engine; use \"sqlite\" or \"postgres\"")
        }
    }
}
