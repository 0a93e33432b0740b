import Foundation
import GRDB
import Primitives
import Settlement
import Testing

/// The L1 holds only public data: the commitment fields, proofs, deposits, finalized
/// withdrawals and events. Nothing the node keeps private reaches its file.
struct PublicDataTests {
    /// Every column of `l1.sqlite`, as docs/SETTLEMENT.md lists them.
    static let documentedColumns: [String: Set<String>] = [
        "meta": ["name", "value"],
        "batches": [
            "id", "number", "batch_hash", "previous_state_root", "new_state_root", "operations_commitment",
            "deposit_count",
            "first_deposit_index", "deposit_hash", "withdrawal_count", "withdrawals_root", "policy_hash",
            "audit_log_head",
            "timestamp", "previous_batch_hash", "status", "committed_at", "proven_at", "executed_at", "reverted_at",
            "proof",
        ],
        "proof_attempts": [
            "id", "batch_id", "submitted_at", "verifier", "accepted", "reason", "proof_sha256", "proof_size",
        ],
        "deposits": [
            "queue_index", "recipient", "asset", "amount", "sender", "leaf", "queue_hash", "queued_at",
            "executed_in_batch",
        ],
        "withdrawals": [
            "batch_number", "index_in_batch", "recipient", "asset", "amount", "leaf", "finalized_at", "event_sequence",
        ],
        "events": [
            "sequence", "kind", "at", "batch_number", "batch_hash", "deposit_index", "withdrawal_index", "detail",
        ],
    ]

    @Test func storedFileHoldsOnlyPublicFieldsAndNoPrivateValue() async throws {
        // What the node knows but never sends: a member, her balance, a transfer between members.
        let member = Address.test(0x5A)
        let privateBalance = try UInt256(decimal: "731946285019283746501")
        let privateTransfer = try UInt256(decimal: "918273645546372819")

        let l1 = try L1Fixture()
        defer { l1.remove() }
        let deposit = try l1.engine.deposit(recipient: .test(0xB1), asset: .zero, amount: 5_000, sender: .test(0xE1))
        let withdrawals = BridgeHashTests.withdrawals(batch: 1, count: 2)
        let batch = L1Fixture.batch(after: nil, deposits: [deposit.deposit], withdrawals: withdrawals)
        try await l1.settle(batch)
        try await l1.client.finalizeWithdrawal(
            try WithdrawalTree(batchNumber: 1, withdrawals: withdrawals).proof(index: 0))
        try await l1.client.commit(L1Fixture.batch(after: batch))
        let database = l1.engine.path

        // The schema is exactly the documented public one.
        let queue = try DatabaseQueue(path: database)
        let columns = try await queue.read { db -> [String: Set<String>] in
            var found = [String: Set<String>]()
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
            where !table.hasPrefix("sqlite_") {
                found[table] = Set(try db.columns(in: table).map(\.name))
            }
            return found
        }
        #expect(columns == Self.documentedColumns)
        try queue.close()
        try l1.engine.close()

        // No file in the data directory holds the private values in any encoding.
        var bytes = [UInt8]()
        for file in try FileManager.default.contentsOfDirectory(atPath: l1.directory) {
            bytes += Array(try Data(contentsOf: URL(fileURLWithPath: l1.directory).appendingPathComponent(file)))
        }
        #expect(!bytes.isEmpty)
        func absent(_ needle: [UInt8], _ what: String) {
            #expect(!contains(bytes, needle), "\(what) must not be stored on the L1")
        }
        for (value, name) in [(privateBalance, "a member balance"), (privateTransfer, "a private transfer amount")] {
            absent(value.bigEndianBytes, "\(name) (32-byte big endian)")
            absent(value.minimalBigEndianBytes, "\(name) (minimal bytes)")
            absent(Array(value.decimal.utf8), "\(name) (decimal)")
            absent(Array(value.quantity.utf8), "\(name) (hex)")
        }
        absent(member.bytes, "a member address that never deposited or withdrew")
        absent(Array(member.hex.dropFirst(2).utf8), "a member address (hex)")
        // Sanity: the scan does find public values that are there.
        #expect(contains(bytes, batch.batchHash.bytes))
        #expect(contains(bytes, UInt256(5_000).bigEndianBytes))
    }

    func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= haystack.count else { return false }
        let first = needle[0]
        var index = 0
        while index <= haystack.count - needle.count {
            if haystack[index] == first && Array(haystack[index..<(index + needle.count)]) == needle { return true }
            index += 1
        }
        return false
    }
}
