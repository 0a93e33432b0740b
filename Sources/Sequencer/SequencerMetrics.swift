/// What the sequencer counts as it runs, reported to whoever renders metrics.
///
/// The sequencer knows no metrics library: the application shell hands it a conformance
/// (the node's Prometheus registry, `NodeMetrics`) when it opens the chain, and a test that
/// does not look at metrics leaves the default, `UncountedSequencerMetrics`. Every method is
/// called on the sequencer's own path (admission, block production), so a conformance must
/// return at once and never block.
public protocol SequencerMetrics: AnyObject, Sendable {
    /// A transaction passed admission and was queued.
    func transactionAdmitted()
    /// A refusal at admission; `reason` is `policy:<rule id>` or a short admission reason.
    func transactionRefused(reason: String)
    /// Admitted transactions a full mempool dropped because they were stranded behind a nonce gap.
    func transactionsEvicted(_ count: Int)
    /// A transaction executed as a policy-refused receipt (the authoritative check at execution).
    func transactionRefusedAtExecution(rule: String)
    /// Where the answer to an admission request the mempool accepted (all of it or, for a
    /// batch, part) waited: for the mempool's decision (on the `Chain` actor, behind the block
    /// being executed) and then for its group's journal write (nil without durable admission).
    /// Tells an operator which of the two a slow answer is. Refused requests are not reported.
    func admissionWaited(forMempool: Duration, forJournal: Duration?)
    /// A block was executed and written.
    func blockProduced(transactions: Int, failed: Int, duration: Duration, mempoolSize: Int)
    /// A block closed a batch (its root follows when the state tree has applied it).
    func batchClosed()
    /// A batch's state root was recorded.
    func batchSealed()
    /// Block production paused because `max_sealed_awaiting_root` closed batches waited for their root.
    func blockProductionPausedForStateTree()
    /// A policy refusal a member provoked before execution (`eth_estimateGas`, `eth_call`, admission).
    func policyRefusalProvoked(member: String, entry: String)
}

/// Counts nothing: for chains opened without a metrics registry (tools, tests).
public final class UncountedSequencerMetrics: SequencerMetrics {
    public init() {}
    public func transactionAdmitted() {}
    public func transactionRefused(reason: String) {}
    public func transactionsEvicted(_ count: Int) {}
    public func transactionRefusedAtExecution(rule: String) {}
    public func admissionWaited(forMempool: Duration, forJournal: Duration?) {}
    public func blockProduced(transactions: Int, failed: Int, duration: Duration, mempoolSize: Int) {}
    public func batchClosed() {}
    public func batchSealed() {}
    public func blockProductionPausedForStateTree() {}
    public func policyRefusalProvoked(member: String, entry: String) {}
}
