import Primitives
import Store

/// Checks the audit log's hash chain offline: every record present in sequence, every record
/// opening under its own row id, and every record linking to the one before.
///
/// Deleting the newest records leaves a shorter valid chain; that is caught by comparing the
/// head with the one committed at a batch boundary (recorded on L1 with settlement).
public enum AuditVerifier {
    public struct Report: Sendable, Equatable {
        /// Records checked before the first problem (or in all).
        public var records: UInt64
        /// Hash of the last good record.
        public var head: Hash32
        /// The first broken record and why, nil when the whole chain verifies.
        public var problem: Problem?
    }

    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var sequence: UInt64
        public var reason: String
        public var description: String { "audit record \(sequence): \(reason)" }
    }

    public static func verify(_ store: any ChainStore, pageSize: Int = 1_000) throws -> Report {
        var expected: UInt64 = 0
        var head = Hash32.zero
        while true {
            let rows = try store.auditRows(from: expected, limit: pageSize)
            for row in rows {
                func broken(_ reason: String) -> Report {
                    Report(records: expected, head: head, problem: Problem(sequence: expected, reason: reason))
                }
                guard row.sequence == expected else {
                    return broken("missing: the log jumps from \(expected) to \(row.sequence) (records were removed)")
                }
                let bytes: [UInt8]
                switch row.plaintext {
                case .success(let plaintext): bytes = plaintext
                case .failure: return broken("cannot be opened: it was edited, moved from another row, or is corrupt")
                }
                guard let entry = try? AuditEntry(encoded: bytes) else { return broken("is not an audit entry") }
                guard entry.previous == head.hex else {
                    return broken("does not link to record \(expected == 0 ? "(start)" : String(expected - 1)): a record before it was removed, reordered or edited")
                }
                head = AuditEntry.link(of: bytes)
                expected += 1
            }
            if rows.count < pageSize { return Report(records: expected, head: head, problem: nil) }
        }
    }
}
