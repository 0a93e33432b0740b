import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Primitives
import Store

/// The production store: a PostgreSQL database through postgres-nio's connection pool
/// (`PostgresClient`), every record sealed by `RecordCipher` before it leaves the process.
///
/// Same semantics as `SQLiteChainStore`: one database transaction per block, lookups by keyed
/// hashes (HMAC) so the database and its backups hold neither addresses, amounts nor hashes in
/// plaintext, the admission journal, metadata and audit rows. The layout is plain indexed tables
/// (no runs or folds, which are SQLite-page optimisations); `schema_version` records each
/// migration, applied on open.
///
/// While the server is away, a block write holds and retries with backoff (a block the sequencer
/// has executed must not be lost, and a retry is idempotent: a block already stored with the same
/// hash counts as written); every other call fails after `operationTimeout` with
/// `StoreError.unavailable`, so the node refuses new transactions with that error. The pool
/// reconnects by itself.
public final class PostgresChainStore: ChainStore {
    public let location: PostgresLocation
    let client: PostgresClient
    let cipher: RecordCipher
    let logger: Logger
    let operationTimeout: Duration
    let blockWriteHold: Duration
    let faultInjector: (@Sendable (String) throws -> Void)?
    /// One writer at a time, as with SQLite: audit sequence numbers and the block order are
    /// decided inside the writing transaction.
    let writeLock = NSLock()
    private let runTask: Task<Void, Never>

    /// The client's own event loop: no caller of the synchronous store API ever runs on it.
    static let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    var bridge: BlockingBridge { .shared }

    /// Connects, applies missing migrations and opens the data key with the master key.
    ///
    /// A database written with another master key, or by a newer release, is refused before
    /// anything in it changes. An unreachable server or a refused login is a `StoreError` that
    /// names the server and the reason.
    /// - Parameters:
    ///   - operationTimeout: how long a call other than a block write waits for the server.
    ///   - blockWriteHold: how long a block write keeps retrying while the server is away.
    public init(
        location: PostgresLocation, masterKey: MasterKey, masterKeyPath: String, logger: Logger = Logger(label: "cloister.postgres"),
        operationTimeout: Duration = .seconds(10), blockWriteHold: Duration = .seconds(900),
        faultInjector: (@Sendable (String) throws -> Void)? = nil
    ) throws(StoreError) {
        self.location = location
        self.logger = logger
        self.operationTimeout = operationTimeout
        self.blockWriteHold = blockWriteHold
        self.faultInjector = faultInjector
        let opened = Self.openDatabase(
            location: location, masterKey: masterKey, masterKeyPath: masterKeyPath, logger: logger, timeout: operationTimeout)
        cipher = try RecordCipher(dataKey: try opened.get())
        var configuration = location.clientConfiguration
        configuration.options.minimumConnections = 1
        configuration.options.maximumConnections = 8
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.keepAliveBehavior = PostgresClient.Configuration.Options.KeepAliveBehavior(frequency: .seconds(15))
        let client = PostgresClient(configuration: configuration, eventLoopGroup: Self.eventLoops, backgroundLogger: logger)
        self.client = client
        runTask = BlockingBridge.shared.start { await client.run() }
    }

    deinit { runTask.cancel() }

    /// Opens the database on a connection of its own (its errors are the server's, not the
    /// pool's): migrations and the data key in one transaction, serialised between processes.
    private static func openDatabase(
        location: PostgresLocation, masterKey: MasterKey, masterKeyPath: String, logger: Logger, timeout: Duration
    ) -> Result<[UInt8], StoreError> {
        let outcome = BlockingBridge.shared.wait(timeout: timeout) { () async throws -> [UInt8] in
            let connection = try await PostgresConnection.connect(
                on: eventLoops.next(), configuration: try location.connectionConfiguration(), id: 0, logger: logger)
            do {
                let dataKey = try await PostgresSchema.open(
                    connection, masterKey: masterKey, masterKeyPath: masterKeyPath, database: location.description, logger: logger)
                try? await connection.close()
                return dataKey
            } catch {
                try? await connection.close()
                throw error
            }
        }
        guard let outcome else {
            return .failure(.unavailable(database: location.description, detail: "no answer within \(timeout)"))
        }
        return outcome.mapError { PostgresErrors.storeError($0, doing: "cannot open", database: location.description) }
    }

    /// Runs `body` on a pooled connection, once, within `operationTimeout`.
    func perform<T: Sendable>(
        _ doing: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) throws(StoreError) -> T {
        let client = self.client
        let outcome = bridge.wait(timeout: operationTimeout) { try await client.withConnection { try await body($0) } }
        guard let outcome else {
            throw .unavailable(database: location.description, detail: "no answer within \(operationTimeout) (\(doing))")
        }
        switch outcome {
        case .success(let value): return value
        case .failure(let error): throw PostgresErrors.storeError(error, doing: doing, database: location.description)
        }
    }

    /// `perform` inside one database transaction, rolled back when `body` throws.
    func performTransaction<T: Sendable>(
        _ doing: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) throws(StoreError) -> T {
        let logger = self.logger
        return try perform(doing) { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                let value = try await body(connection)
                try await connection.query("COMMIT", logger: logger)
                return value
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// A write transaction: one at a time in this process.
    func write<T: Sendable>(
        _ doing: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) throws(StoreError) -> T {
        writeLock.lock()
        defer { writeLock.unlock() }
        return try performTransaction(doing, body)
    }

    public func derivedSecret(purpose: String) -> [UInt8] { cipher.secret(purpose: purpose) }
}

/// Turns postgres-nio's errors into `StoreError`s a person can act on.
enum PostgresErrors {
    static func storeError(_ error: any Error, doing: String, database: String) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? PostgresTransactionError {
            let inner = error.closureError ?? error.beginError ?? error.commitError
            if let inner { return storeError(inner, doing: doing, database: database) }
        }
        if let error = error as? PSQLError { return storeError(error, doing: doing, database: database) }
        // The pool's own errors (`ConnectionPoolError`, of a module postgres-nio does not export): no connection to lease.
        if String(reflecting: type(of: error)).hasSuffix("ConnectionPoolError") {
            return .unavailable(database: database, detail: "\(doing): no connection (\(error))")
        }
        if error is CancellationError || error is ChannelError || error is IOError {
            return .unavailable(database: database, detail: "\(doing): \(error)")
        }
        return .database("\(doing) on \(database): \(error)")
    }

    private static func storeError(_ error: PSQLError, doing: String, database: String) -> StoreError {
        switch error.code {
        case .server:
            let state = error.serverInfo?[.sqlState] ?? "?"
            let message = error.serverInfo?[.message] ?? "no message"
            // Class 08: connection exceptions; 57P0x: the server is shutting down or starting; 53300: too many connections.
            if state.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(state) {
                return .unavailable(database: database, detail: "\(doing): \(message) [SQLSTATE \(state)]")
            }
            return .database("\(doing) on \(database): \(message) [SQLSTATE \(state)]")
        case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection, .poolClosed:
            let detail = error.underlying.map { "\($0)" } ?? "\(error.code)"
            return .unavailable(database: database, detail: "\(doing): \(detail)")
        default:
            return .database("\(doing) on \(database): \(error.code)")
        }
    }

    /// Whether a failure may pass if retried once the server is back.
    static func isTransient(_ error: StoreError) -> Bool {
        if case .unavailable = error { return true }
        return false
    }
}
