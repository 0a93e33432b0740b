import Logging
import NIOCore
import PostgresNIO
import Primitives
import Store

/// The database's tables, as numbered migrations, and opening a database: checking its schema
/// version and master key, applying missing migrations, creating the data key.
///
/// Every table holds keyed lookup ids (HMAC) and ciphertext, plus the plain block numbers,
/// positions and sequence numbers needed for ordering (public on the member API anyway).
/// `meta` holds only the wrapped data key.
enum PostgresSchema {
    /// Migration n (1-based) brings the schema from version n-1 to n; append, never edit.
    static let migrations: [[String]] = [
        [
            "CREATE TABLE meta(name text PRIMARY KEY, value bytea NOT NULL)",
            "CREATE TABLE blocks(number bigint PRIMARY KEY, hash_id bytea NOT NULL UNIQUE, sealed bytea NOT NULL)",
            """
            CREATE TABLE transactions(
                block_number bigint NOT NULL, position integer NOT NULL, id bytea NOT NULL, sealed bytea NOT NULL,
                PRIMARY KEY (block_number, position))
            """,
            "CREATE INDEX transactions_by_id ON transactions(id)",
            "CREATE TABLE state(id bytea PRIMARY KEY, sealed bytea NOT NULL)",
            "CREATE TABLE audit(seq bigint PRIMARY KEY, block_number bigint NOT NULL, sealed bytea NOT NULL)",
            "CREATE TABLE node_meta(id bytea PRIMARY KEY, sealed bytea NOT NULL)",
            "CREATE TABLE admissions(seq bigserial PRIMARY KEY, id bytea NOT NULL UNIQUE, sealed bytea NOT NULL)",
        ],
        // 2: the prover job queue (`PostgresProverQueue`): one job per committed batch, its witness
        // sealed with the prover key (never plaintext), the proof (public) once a worker made it.
        [
            """
            CREATE TABLE prover_jobs(
                batch bigint PRIMARY KEY,
                state text NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'running', 'done', 'failed')),
                witness bytea,
                attempts integer NOT NULL DEFAULT 0,
                worker text,
                lease_expires timestamptz,
                heartbeat timestamptz,
                proof bytea,
                failure text,
                collected boolean NOT NULL DEFAULT false,
                created_at timestamptz NOT NULL DEFAULT now(),
                started_at timestamptz,
                finished_at timestamptz,
                updated_at timestamptz NOT NULL DEFAULT now())
            """,
            "CREATE INDEX prover_jobs_by_state ON prover_jobs(state, batch)",
            """
            CREATE TABLE prover_workers(
                id text PRIMARY KEY, heartbeat timestamptz NOT NULL, batch bigint, started_at timestamptz NOT NULL DEFAULT now())
            """,
        ],
    ]

    static var version: Int { migrations.count }

    /// Serialises opens of one database by several processes (an arbitrary fixed key).
    private static let openLock: Int64 = 0x436C_6F69_7374_6572

    /// Checks, migrates and returns the data key, in one transaction on `connection`. A refusal
    /// (newer schema, wrong master key) rolls back: the database is left exactly as it was.
    static func open(
        _ connection: PostgresConnection, masterKey: MasterKey, masterKeyPath: String, database: String, logger: Logger
    ) async throws -> [UInt8] {
        try await connection.query("BEGIN", logger: logger)
        do {
            let dataKey = try await openInTransaction(
                connection, masterKey: masterKey, masterKeyPath: masterKeyPath, database: database, logger: logger)
            try await connection.query("COMMIT", logger: logger)
            return dataKey
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    private static func openInTransaction(
        _ connection: PostgresConnection, masterKey: MasterKey, masterKeyPath: String, database: String, logger: Logger
    ) async throws -> [UInt8] {
        try await connection.query("SELECT pg_advisory_xact_lock(\(openLock))", logger: logger)
        try await connection.query(
            "CREATE TABLE IF NOT EXISTS schema_version(version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
            logger: logger)
        var found = 0
        for try await value in try await connection.query("SELECT COALESCE(MAX(version), 0) FROM schema_version", logger: logger)
            .decode(Int.self)
        {
            found = value
        }
        guard found <= version else { throw StoreError.schemaTooNew(database: database, found: found, supported: version) }
        if found > 0, let wrapped = try await wrappedDataKey(connection, logger: logger) {
            guard RecordCipher.unwrap(wrapped, with: masterKey) != nil else {
                throw StoreError.wrongMasterKey(path: masterKeyPath, database: database)
            }
        }
        for step in found..<version {
            for statement in migrations[step] { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
            try await connection.query("INSERT INTO schema_version(version) VALUES (\(step + 1))", logger: logger)
            logger.info("PostgreSQL store migrated", metadata: ["database": "\(database)", "schema_version": "\(step + 1)"])
        }
        if let wrapped = try await wrappedDataKey(connection, logger: logger) {
            guard let dataKey = RecordCipher.unwrap(wrapped, with: masterKey) else {
                throw StoreError.wrongMasterKey(path: masterKeyPath, database: database)
            }
            return dataKey
        }
        let dataKey = SecureRandom.bytes(32)
        let wrapped = ByteBuffer(bytes: try RecordCipher.wrap(dataKey: dataKey, with: masterKey))
        try await connection.query("INSERT INTO meta(name, value) VALUES ('data_key', \(wrapped))", logger: logger)
        return dataKey
    }

    /// The schema version of a database, without migrating it (a prover worker, which holds no
    /// master key, only reads the version the node left).
    static func currentVersion(_ connection: PostgresConnection, logger: Logger) async throws -> Int {
        var exists = false
        for try await value in try await connection.query("SELECT to_regclass('schema_version') IS NOT NULL", logger: logger)
            .decode(Bool.self)
        {
            exists = value
        }
        guard exists else { return 0 }
        for try await value in try await connection.query("SELECT COALESCE(MAX(version), 0) FROM schema_version", logger: logger)
            .decode(Int.self)
        {
            return value
        }
        return 0
    }

    private static func wrappedDataKey(_ connection: PostgresConnection, logger: Logger) async throws -> [UInt8]? {
        for try await value in try await connection.query("SELECT value FROM meta WHERE name = 'data_key'", logger: logger)
            .decode(ByteBuffer.self)
        {
            return Array(buffer: value)
        }
        return nil
    }
}
