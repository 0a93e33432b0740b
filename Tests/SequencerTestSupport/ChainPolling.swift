import Sequencer

/// Waiting on the sequencer's background work: tests poll; production code never waits this way.
extension Chain {
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
