import PostgresStore
import Prometheus
import Locking
import Sequencer

/// The node's Prometheus metrics, served at `/metrics` on the admin listener.
///
/// Each chain owns its registry (no process-global metrics system), so several nodes in one
/// test process do not share counters. Counters for a label value are created once and then
/// looked up by the registry (one lock, no allocation after the first time).
public final class NodeMetrics: SequencerMetrics {
    public let registry = PrometheusCollectorRegistry()

    private let admitted: Counter
    private let blocks: Counter
    private let included: Counter
    private let failedReceipts: Counter
    private let batchesSealed: Counter
    private let mempool: Gauge
    private let blockSeconds: DurationHistogram
    private let mempoolWaitSeconds: DurationHistogram
    private let journalWaitSeconds: DurationHistogram
    private let batchesProved: Counter
    private let transactionsProved: Counter
    private let provingSeconds: Counter
    private let transactionsProven: Counter
    private let proofLag: Gauge
    /// The prover queue as last read (`prover = "external"` only), for `/health` and the admin status.
    let proverQueueState = Locked<ProverQueueStatus?>(nil)

    static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10),
        .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5),
    ]

    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "cloister", metricName: metric, unitName: unit, helpText: help)
    }

    public init() {
        admitted = registry.makeCounter(descriptor: Self.name("transactions_admitted", "total", "Transactions admitted to the mempool"), labels: [])
        blocks = registry.makeCounter(descriptor: Self.name("blocks_produced", "total", "Blocks produced"), labels: [])
        included = registry.makeCounter(descriptor: Self.name("transactions_included", "total", "Transactions included in blocks"), labels: [])
        failedReceipts = registry.makeCounter(descriptor: Self.name("transactions_failed", "total", "Included transactions with a failed receipt"), labels: [])
        batchesSealed = registry.makeCounter(descriptor: Self.name("batches_sealed", "total", "Batches sealed with a state root"), labels: [])
        mempool = registry.makeGauge(descriptor: Self.name("mempool", "transactions", "Transactions waiting in the mempool"), labels: [])
        batchesProved = registry.makeCounter(descriptor: Self.name("batches_proved", "total", "Batch proofs this node made"), labels: [])
        transactionsProved = registry.makeCounter(descriptor: Self.name("transactions_proved", "total", "Transactions and deposits in the batches this node proved"), labels: [])
        provingSeconds = registry.makeCounter(descriptor: Self.name("proving", "seconds_total", "Wall-clock time spent proving batches"), labels: [])
        transactionsProven = registry.makeCounter(descriptor: Self.name("transactions_proven", "total", "Transactions and deposits in batches whose proof the L1 accepted"), labels: [])
        proofLag = registry.makeGauge(descriptor: Self.name("proof_lag", "seconds", "From seal to L1-accepted proof, of the last batch proven"), labels: [])
        blockSeconds = registry.makeDurationHistogram(descriptor: Self.name("block_production", "seconds", "Time to execute and persist a block"), labels: [], buckets: Self.latencyBuckets)
        mempoolWaitSeconds = registry.makeDurationHistogram(
            descriptor: Self.name("admission_mempool_wait", "seconds", "Time an accepted admission request waited for the mempool's decision (behind the block being executed)"),
            labels: [], buckets: Self.latencyBuckets)
        journalWaitSeconds = registry.makeDurationHistogram(
            descriptor: Self.name("admission_journal_wait", "seconds", "Time an accepted admission request then waited for its admission journal write (durable admission)"),
            labels: [], buckets: Self.latencyBuckets)
    }

    public func transactionAdmitted() { admitted.increment() }

    /// A refusal at admission; `reason` is a policy rule id or a short admission reason.
    public func transactionRefused(reason: String) {
        registry.makeCounter(descriptor: Self.name("transactions_refused", "total", "Transactions refused at admission, by reason"), labels: [("reason", reason)]).increment()
    }

    /// Admitted transactions a full mempool dropped because they were stranded behind a nonce gap.
    public func transactionsEvicted(_ count: Int) {
        registry.makeCounter(descriptor: Self.name("transactions_evicted", "total", "Admitted transactions a full mempool dropped (stranded behind a nonce gap)"), labels: []).increment(by: Int64(count))
    }

    /// A transaction executed as a policy-refused receipt (the authoritative check at execution).
    public func transactionRefusedAtExecution(rule: String) {
        registry.makeCounter(descriptor: Self.name("transactions_refused_at_execution", "total", "Transactions refused by policy at execution, by rule"), labels: [("rule", rule)]).increment()
    }

    public func admissionWaited(forMempool: Duration, forJournal: Duration?) {
        mempoolWaitSeconds.record(forMempool)
        if let forJournal { journalWaitSeconds.record(forJournal) }
    }

    public func blockProduced(transactions: Int, failed: Int, duration: Duration, mempoolSize: Int) {
        blocks.increment()
        included.increment(by: Int64(transactions))
        failedReceipts.increment(by: Int64(failed))
        blockSeconds.record(duration)
        mempool.set(Double(mempoolSize))
    }

    public func batchSealed() { batchesSealed.increment() }
    public func batchClosed() {
        registry.makeCounter(descriptor: Self.name("batches_closed", "total", "Batches closed by a block (sealed once their root is recorded)"), labels: []).increment()
    }
    public func blockProductionPausedForStateTree() {
        registry.makeCounter(
            descriptor: Self.name("block_production_paused", "total", "Times block production paused for the state tree (max_sealed_awaiting_root)"),
            labels: []
        ).increment()
    }

    /// The prover made a proof of a batch of `operations` transactions and deposits in `duration`.
    public func batchProved(operations: Int, duration: Duration) {
        batchesProved.increment()
        transactionsProved.increment(by: Int64(operations))
        let (seconds, attoseconds) = duration.components
        provingSeconds.increment(by: Double(seconds) + Double(attoseconds) / 1e18)
    }

    /// The L1 accepted the proof of a batch of `operations`, sealed `lag` seconds ago.
    public func batchProven(operations: Int, lagSeconds: Double) {
        transactionsProven.increment(by: Int64(operations))
        proofLag.set(lagSeconds)
    }

    public func mempoolSize(_ size: Int) { mempool.set(Double(size)) }

    /// A policy refusal a member provoked before execution (`eth_estimateGas`, `eth_call`,
    /// admission): the series an operator alerts on when one member probes.
    public func policyRefusalProvoked(member: String, entry: String) {
        registry.makeCounter(
            descriptor: Self.name("policy_refusals_provoked", "total", "Policy refusals members provoked before execution, by member and entry point"),
            labels: [("member", member), ("entry", entry)]
        ).increment()
    }

    /// A call refused because its member provoked too many policy refusals in the last minute.
    public func policyProbeThrottled(member: String) {
        registry.makeCounter(
            descriptor: Self.name("policy_probes_throttled", "total", "Calls refused because the member exceeded its policy-refusal rate"),
            labels: [("member", member)]
        ).increment()
    }

    /// One API request: `api` is `rpc` or `admin`, `method` the JSON-RPC method or admin route,
    /// `outcome` `ok`, an error class or an HTTP status.
    public func request(api: String, method: String, outcome: String, duration: Duration) {
        requests(api: api, method: method, outcome: outcome, count: 1, duration: duration)
    }

    /// `count` requests of one method and outcome that took `duration` each (the items of a
    /// JSON-RPC batch): one look-up for all of them.
    public func requests(api: String, method: String, outcome: String, count: Int, duration: Duration) {
        let key = RequestSeries(api: api, method: method, outcome: outcome)
        let series = requestSeries.withLock { $0[key] } ?? makeRequestSeries(key)
        series.count.increment(by: Int64(count))
        for _ in 0..<count { series.latency.record(duration) }
    }

    /// Every request is counted: the registry's look-up (descriptor, label arrays, its lock)
    /// is done once per method and outcome, then the series come from this table.
    private struct RequestSeries: Hashable {
        var api: String
        var method: String
        var outcome: String
    }

    private let requestSeries = Locked<[RequestSeries: (count: Counter, latency: DurationHistogram)]>([:])

    private func makeRequestSeries(_ key: RequestSeries) -> (count: Counter, latency: DurationHistogram) {
        let series = (
            count: registry.makeCounter(
                descriptor: Self.name("api_requests", "total", "API requests by method and outcome"),
                labels: [("api", key.api), ("method", key.method), ("outcome", key.outcome)]),
            latency: registry.makeDurationHistogram(
                descriptor: Self.name("api_request", "seconds", "API request latency by method"),
                labels: [("api", key.api), ("method", key.method)], buckets: Self.latencyBuckets)
        )
        requestSeries.withLock { $0[key] = series }
        return series
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> [UInt8] {
        var buffer = [UInt8]()
        registry.emit(into: &buffer)
        return buffer
    }
}

extension Chain {
    /// The node's Prometheus registry: the one the shell opened this chain with
    /// (`NodeRuntime.openChain`), so the API, settlement and the prover count into the same
    /// registry as the sequencer. A chain opened without one (a tool, a sequencer test) has no
    /// registry to render: what is counted against it goes to a fresh registry and is dropped,
    /// never to one shared with another chain.
    public nonisolated var nodeMetrics: NodeMetrics { metrics as? NodeMetrics ?? NodeMetrics() }
}
