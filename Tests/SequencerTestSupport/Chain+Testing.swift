import Sequencer

/// Waiting on the sequencer's background work and reading what it wrote: tests poll and read;
/// production code never waits this way.
extension Chain {
    /// Audit entries in commit order, decoded.
    public nonisolated func auditEntries(from: UInt64 = 0, limit: Int = 1_000) throws -> [AuditEntry] {
        try auditLog(from: from, limit: limit).map(\.entry)
    }

    /// Waits until the tracker has recorded batch `number`.
    public func awaitBatch(_ number: UInt64) async {
        while latestBatch.number < number {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits until the account tree has followed the chain through `block`.
    public nonisolated func awaitStateCommitment(through block: UInt64) async {
        while await stateCommitmentFollowed() < block {
            try? await Task.sleep(for: .milliseconds(1))
        }
    }
}
