import Foundation
import GRDB
import Primitives
import StarkCrypto
import Settlement

/// The L1 settlement contract, mocked: batches go committed → proven → executed, deposits
/// queue for the L2, executed batches' withdrawals are paid out once each.
///
/// It holds only public data: the batch commitments, proof bytes, deposits and finalised
/// withdrawals, and the event list. Everything lives in one SQLite file (`l1.sqlite`);
/// each call is one transaction, so a crash or restart loses nothing that was
/// acknowledged, and a refused call changes nothing. Calls are serialised by SQLite's
/// single writer; proof verification runs outside the write lock and the batch is
/// re-checked before the result is recorded.
///
/// Operator calls (`perform`) must carry the configured operator's signature over the
/// call (see `OperatorCall`). Deposits and withdrawal finalisation are open to anyone.
public final class L1SettlementMock: Sendable {
    /// Settings that rarely change; the defaults suit tests and the devnet.
    public struct Options: Sendable {
        /// The state root batch 1 must start from. Nil adopts the first commit's previous
        /// root (trust on first use); either way it is stored and then fixed.
        public var genesisStateRoot: Hash32?
        /// A commit is refused while it leaves a deposit queued longer than this.
        public var depositDeadlineSeconds: UInt64?
        /// Milliseconds since the Unix epoch (tests inject a clock).
        public var clock: @Sendable () -> UInt64
        /// The largest proof a prove call may carry.
        public var maximumProofSize: Int

        public init(
            genesisStateRoot: Hash32? = nil, depositDeadlineSeconds: UInt64? = nil,
            clock: @escaping @Sendable () -> UInt64 = L1SettlementMock.systemClock, maximumProofSize: Int = 16 << 20
        ) {
            self.genesisStateRoot = genesisStateRoot
            self.depositDeadlineSeconds = depositDeadlineSeconds
            self.clock = clock
            self.maximumProofSize = maximumProofSize
        }
    }

    public static let fileName = "l1.sqlite"
    static let schemaVersion = 1

    public static let systemClock: @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970 * 1000) }

    public let path: String
    public let operatorAddress: Address
    public let verifier: any BatchProofVerifier
    let options: Options
    private let pool: DatabasePool

    /// Opens (or creates) `l1.sqlite` in `dataDirectory`.
    public static func open(
        dataDirectory: String, operator operatorAddress: Address,
        verifier: any BatchProofVerifier = NoProofSystemConfigured(), options: Options = Options()
    ) throws(SettlementError) -> L1SettlementMock {
        do {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw SettlementError(
                .storage, "cannot create the L1 data directory \(dataDirectory): \(error.localizedDescription)")
        }
        let path = (dataDirectory as NSString).appendingPathComponent(fileName)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.label = "cloister.l1"
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw SettlementError(.storage, "cannot open the L1 database \(path): \(error)")
        }
        let mock = L1SettlementMock(
            path: path, operatorAddress: operatorAddress, verifier: verifier, options: options, pool: pool)
        try mock.write { db in
            try Self.migrate(db)
            if let configured = options.genesisStateRoot {
                if let stored = try Self.meta(db, "genesis_state_root"), stored != Data(configured.bytes) {
                    throw SettlementError(
                        .refused,
                        "the configured genesis state root \(configured.hex) differs from the one this L1 already holds "
                            + "(\(Hex.encode(stored))) in \(path); use the original, or a new data directory for a new chain"
                    )
                }
                try Self.setMeta(db, "genesis_state_root", Data(configured.bytes))
            }
        }
        return mock
    }

    private init(
        path: String, operatorAddress: Address, verifier: any BatchProofVerifier, options: Options, pool: DatabasePool
    ) {
        self.path = path
        self.operatorAddress = operatorAddress
        self.verifier = verifier
        self.options = options
        self.pool = pool
    }

    /// Closes the database (checkpointing its write-ahead log into `l1.sqlite`).
    public func close() throws(SettlementError) {
        do { try pool.close() } catch {
            throw SettlementError(.storage, "cannot close the L1 database \(path): \(error)")
        }
    }

    // MARK: - Storage

    /// One write transaction (the calls in `+Batches` and `+Bridge`); a failure that is no
    /// `SettlementError` is reported as a storage error.
    func write<T>(_ body: (Database) throws -> T) throws(SettlementError) -> T {
        do { return try pool.write(body) } catch let error as SettlementError { throw error } catch {
            throw SettlementError(.storage, "the L1 database \(path) failed: \(error)")
        }
    }

    /// One read transaction (`+Reads`, and `prove` before it verifies).
    func read<T>(_ body: (Database) throws -> T) throws(SettlementError) -> T {
        do { return try pool.read(body) } catch let error as SettlementError { throw error } catch {
            throw SettlementError(.storage, "the L1 database \(path) failed: \(error)")
        }
    }

    static func migrate(_ db: Database) throws {
        guard try !db.tableExists("meta") else {
            let version = try meta(db, "schema_version").map { String(decoding: $0, as: UTF8.self) }
            guard version == String(schemaVersion) else {
                throw SettlementError(
                    .storage,
                    "the L1 database has schema version \(version ?? "?"); this build reads version \(schemaVersion)")
            }
            return
        }
        // Only public data: the commitment fields, proofs, deposits, finalized withdrawals, events.
        try db.execute(
            sql: """
                CREATE TABLE meta(name TEXT PRIMARY KEY, value BLOB NOT NULL);
                CREATE TABLE batches(
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    number INTEGER NOT NULL,
                    batch_hash BLOB NOT NULL,
                    previous_state_root BLOB NOT NULL,
                    new_state_root BLOB NOT NULL,
                    operations_commitment BLOB NOT NULL,
                    deposit_count INTEGER NOT NULL,
                    first_deposit_index INTEGER NOT NULL,
                    deposit_hash BLOB NOT NULL,
                    withdrawal_count INTEGER NOT NULL,
                    withdrawals_root BLOB NOT NULL,
                    policy_hash BLOB NOT NULL,
                    audit_log_head BLOB NOT NULL,
                    timestamp INTEGER NOT NULL,
                    previous_batch_hash BLOB NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('committed', 'proven', 'executed', 'reverted')),
                    committed_at INTEGER NOT NULL,
                    proven_at INTEGER,
                    executed_at INTEGER,
                    reverted_at INTEGER,
                    proof BLOB
                );
                CREATE UNIQUE INDEX batches_in_chain ON batches(number) WHERE status != 'reverted';
                CREATE TABLE proof_attempts(
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    batch_id INTEGER NOT NULL REFERENCES batches(id),
                    submitted_at INTEGER NOT NULL,
                    verifier TEXT NOT NULL,
                    accepted INTEGER NOT NULL,
                    reason TEXT,
                    proof_sha256 BLOB NOT NULL,
                    proof_size INTEGER NOT NULL
                );
                CREATE INDEX proof_attempts_by_batch ON proof_attempts(batch_id, id);
                CREATE TABLE deposits(
                    queue_index INTEGER PRIMARY KEY,
                    recipient BLOB NOT NULL,
                    asset BLOB NOT NULL,
                    amount BLOB NOT NULL,
                    sender BLOB NOT NULL,
                    leaf BLOB NOT NULL,
                    queue_hash BLOB NOT NULL,
                    queued_at INTEGER NOT NULL,
                    executed_in_batch INTEGER
                );
                CREATE TABLE withdrawals(
                    batch_number INTEGER NOT NULL,
                    index_in_batch INTEGER NOT NULL,
                    recipient BLOB NOT NULL,
                    asset BLOB NOT NULL,
                    amount BLOB NOT NULL,
                    leaf BLOB NOT NULL,
                    finalized_at INTEGER NOT NULL,
                    event_sequence INTEGER NOT NULL UNIQUE,
                    PRIMARY KEY (batch_number, index_in_batch)
                );
                CREATE TABLE events(
                    sequence INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    batch_number INTEGER,
                    batch_hash BLOB,
                    deposit_index INTEGER,
                    withdrawal_index INTEGER,
                    detail TEXT
                );
                """)
        try setMeta(db, "schema_version", Data(String(schemaVersion).utf8))
    }

    static func meta(_ db: Database, _ name: String) throws -> Data? {
        try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE name = ?", arguments: [name])
    }

    static func setMeta(_ db: Database, _ name: String, _ value: Data) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO meta(name, value) VALUES (?, ?)", arguments: [name, value])
    }

    @discardableResult
    static func appendEvent(
        _ db: Database, _ kind: L1Event.Kind, at time: UInt64, batchNumber: UInt64? = nil, batchHash: Hash32? = nil,
        depositIndex: UInt64? = nil, withdrawalIndex: UInt64? = nil, detail: String? = nil
    ) throws -> UInt64 {
        let sequence = (try Int64.fetchOne(db, sql: "SELECT MAX(sequence) FROM events") ?? 0) + 1
        try db.execute(
            sql: """
                INSERT INTO events(sequence, kind, at, batch_number, batch_hash, deposit_index, withdrawal_index, detail)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                sequence, kind.rawValue, Int64(time), batchNumber.map { Int64($0) }, batchHash.map { Data($0.bytes) },
                depositIndex.map { Int64($0) }, withdrawalIndex.map { Int64($0) }, detail,
            ])
        return UInt64(sequence)
    }

    /// A batch row and the record read from it.
    struct StoredBatch {
        var rowID: Int64
        var record: L1BatchRecord
    }

    static func activeBatch(_ db: Database, number: UInt64) throws -> StoredBatch? {
        guard number <= UInt64(Int64.max) else { return nil }
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT * FROM batches WHERE number = ? AND status != 'reverted'", arguments: [Int64(number)])
        else { return nil }
        return StoredBatch(rowID: row["id"], record: try batchRecord(db, row: row))
    }

    static func lastActive(_ db: Database) throws -> StoredBatch? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT * FROM batches WHERE status != 'reverted' ORDER BY number DESC LIMIT 1")
        else { return nil }
        return StoredBatch(rowID: row["id"], record: try batchRecord(db, row: row))
    }

    /// The batch a prove or execute call names: it must be in the chain with the hash the call signed.
    static func requireActive(_ db: Database, number: UInt64, hash: Hash32, call: String) throws -> StoredBatch {
        guard let batch = try activeBatch(db, number: number) else {
            throw SettlementError(.notFound, "\(call): no batch \(number) is committed on this L1")
        }
        guard batch.record.batchHash == hash else {
            throw SettlementError(
                .conflict,
                "\(call): batch \(number) on the L1 has batch hash \(batch.record.batchHash.hex), the call names \(hash.hex)"
            )
        }
        return batch
    }

    static func batchRecord(_ db: Database, row: Row) throws -> L1BatchRecord {
        let commitment = BatchCommitment(
            batchNumber: UInt64(row["number"] as Int64), previousStateRoot: try hash(row, "previous_state_root"),
            newStateRoot: try hash(row, "new_state_root"), operationsCommitment: try hash(row, "operations_commitment"),
            depositCount: UInt64(row["deposit_count"] as Int64),
            firstDepositIndex: UInt64(row["first_deposit_index"] as Int64), depositHash: try hash(row, "deposit_hash"),
            withdrawalCount: UInt64(row["withdrawal_count"] as Int64),
            withdrawalsRoot: try hash(row, "withdrawals_root"),
            policyHash: try hash(row, "policy_hash"), auditLogHead: try hash(row, "audit_log_head"),
            timestamp: UInt64(row["timestamp"] as Int64), previousBatchHash: try hash(row, "previous_batch_hash"))
        let storedHash = try hash(row, "batch_hash")
        guard commitment.batchHash == storedHash else {
            throw SettlementError(
                .storage,
                "batch \(commitment.batchNumber) in the L1 database no longer matches its hash (the file was edited)")
        }
        let attempts = try Row.fetchAll(
            db, sql: "SELECT * FROM proof_attempts WHERE batch_id = ? ORDER BY id", arguments: [row["id"] as Int64]
        ).enumerated().map { position, attempt in
            ProofAttempt(
                attempt: position + 1, submittedAt: UInt64(attempt["submitted_at"] as Int64),
                verifier: attempt["verifier"],
                accepted: attempt["accepted"], reason: attempt["reason"],
                proofSHA256: try hash(attempt, "proof_sha256"),
                proofSize: attempt["proof_size"])
        }
        guard let status = BatchStatus(rawValue: row["status"]) else {
            throw SettlementError(.storage, "batch \(commitment.batchNumber) has an unknown status")
        }
        return L1BatchRecord(
            commitment: commitment, status: status, committedAt: UInt64(row["committed_at"] as Int64),
            provenAt: (row["proven_at"] as Int64?).map(UInt64.init),
            executedAt: (row["executed_at"] as Int64?).map(UInt64.init),
            revertedAt: (row["reverted_at"] as Int64?).map(UInt64.init), proofAttempts: attempts)
    }

    static func depositLeaves(_ db: Database, from first: UInt64, count: UInt64) throws -> [RPODigest] {
        guard count > 0 else { return [] }
        return try Data.fetchAll(
            db, sql: "SELECT leaf FROM deposits WHERE queue_index >= ? AND queue_index < ? ORDER BY queue_index",
            arguments: [Int64(first), Int64(first + count)]
        ).map { try RPODigest(bytes: Array($0)) }
    }

    static func hash(_ row: Row, _ column: String) throws -> Hash32 { try Hash32(row[column] as Data) }
    static func address(_ row: Row, _ column: String) throws -> Address { try Address(row[column] as Data) }
    static func amount(_ row: Row, _ column: String) throws -> UInt256 { try UInt256(bigEndian: row[column] as Data) }
}
