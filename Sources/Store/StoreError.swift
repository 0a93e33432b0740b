/// Failures of the store, each saying what the operator can do about it.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No master key file where one was expected.
    case masterKeyMissing(path: String)
    /// The master key file exists but is not a 32-byte hex key, or is readable by others.
    case masterKeyUnusable(path: String, reason: String)
    /// The master key does not open this database's data key.
    case wrongMasterKey(path: String, database: String)
    /// A stored record failed authentication: tampering, corruption, or a record moved to another row.
    case corruptRecord(table: String, detail: String)
    /// The block to commit does not follow the head.
    case outOfOrderBlock(expected: UInt64, got: UInt64)
    /// The database could not be opened or written.
    case database(String)
    /// The database server cannot be reached (down, refusing, or not answering in time); nothing
    /// was stored by the failed call, and the store reconnects by itself when the server is back.
    case unavailable(database: String, detail: String)
    /// The database was written by a newer release: its schema version is above what this build knows.
    case schemaTooNew(database: String, found: Int, supported: Int)
    /// The cryptographic library failed to derive a key or seal a record; nothing was stored.
    case encryptionFailed(String)
    /// A fault injected by a test.
    case injectedFault(String)

    public var description: String {
        switch self {
        case .masterKeyMissing(let path):
            return "master key file \(path) does not exist: create one with `cloister keys new-master \(path)` "
                + "(for a new chain), or point --master-key at the key this data directory was created with"
        case .masterKeyUnusable(let path, let reason): return "master key file \(path) cannot be used: \(reason)"
        case .wrongMasterKey(let path, let database):
            return "the master key in \(path) does not open \(database): it was created with another key. "
                + "Use the original key file (--master-key), or start a new chain in an empty data directory"
        case .corruptRecord(let table, let detail):
            return "a record in \(table) failed authentication (\(detail)): the database was altered or is corrupt"
        case .outOfOrderBlock(let expected, let got): return "block \(got) cannot be stored: the next block is \(expected)"
        case .database(let detail): return "database error: \(detail)"
        case .unavailable(let database, let detail):
            return "the database \(database) is unavailable (\(detail)): check that the server runs and accepts this node; "
                + "the node reconnects by itself when it is back"
        case .schemaTooNew(let database, let found, let supported):
            return "\(database) has schema version \(found), newer than this build knows (\(supported)): "
                + "run the Cloister release that wrote it"
        case .encryptionFailed(let detail):
            return "encryption failed: \(detail); nothing was stored (check the system's OpenSSL)"
        case .injectedFault(let stage): return "injected fault at \(stage)"
        }
    }
}
