import GRDB
import GRDBSQLite
import Primitives
import Store

/// A cached insert statement bound and stepped through the SQLite C API.
///
/// A busy block inserts thousands of rows; through GRDB each row builds an argument array and
/// copies every blob into `Data`, which cost more than SQLite's own work. Here blobs are bound
/// straight from the caller's buffers (valid until the step returns) and integers as they are.
/// Used only inside a write transaction of the connection that prepared the statement.
struct RowWriter {
    enum Value {
        case integer(Int64)
        case blob([UInt8])
        /// A 32-byte lookup id, bound from its own storage (no array).
        case hash(Hash32)

        var isInteger: Bool { if case .integer = self { true } else { false } }
    }

    private let handle: SQLiteStatement
    private let sql: String

    init(_ db: Database, sql: String) throws {
        handle = try db.cachedStatement(sql: sql).sqliteStatement
        self.sql = sql
    }

    /// Inserts one row: `values` bound to the statement's parameters in order.
    func insert(_ values: Value...) throws(StoreError) {
        try insert(values)
    }

    func insert(_ values: [Value]) throws(StoreError) {
        sqlite3_reset(handle)
        defer {
            // The blobs were bound without copying: no binding may outlive this call.
            sqlite3_clear_bindings(handle)
            sqlite3_reset(handle)
        }
        var code = SQLITE_OK
        for (offset, value) in values.enumerated() where code == SQLITE_OK {
            let index = Int32(offset + 1)
            switch value {
            case .integer(let number): code = sqlite3_bind_int64(handle, index, number)
            case .blob, .hash: code = SQLITE_OK
            }
        }
        guard code == SQLITE_OK else { throw failure(code) }
        code = Self.bindBlobsAndStep(handle, values, from: 0)
        guard code == SQLITE_DONE else { throw failure(code) }
    }

    /// Binds the blobs from `start` on inside nested buffer scopes, then steps once.
    private static func bindBlobsAndStep(_ handle: SQLiteStatement, _ values: [Value], from start: Int) -> Int32 {
        guard let offset = values[start...].firstIndex(where: { !$0.isInteger }) else {
            return sqlite3_step(handle)
        }
        func bind(_ buffer: UnsafeRawBufferPointer) -> Int32 {
            // A zero-length blob still needs a non-null pointer to bind as a blob, not NULL.
            let code = sqlite3_bind_blob(
                handle, Int32(offset + 1), buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(buffer.count), nil)
            guard code == SQLITE_OK else { return code }
            return bindBlobsAndStep(handle, values, from: offset + 1)
        }
        switch values[offset] {
        case .blob(let bytes): return bytes.withUnsafeBytes(bind)
        case .hash(let hash): return hash.withUnsafeBytes(bind)
        case .integer: return SQLITE_MISUSE
        }
    }

    private func failure(_ code: Int32) -> StoreError {
        let connection = sqlite3_db_handle(handle)
        let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "code \(code)"
        return .database("\(sql): \(message)")
    }
}
