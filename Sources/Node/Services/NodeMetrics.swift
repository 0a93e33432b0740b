import Prometheus

/// The node's Prometheus metrics, served at `/metrics` on the admin listener.
///
/// Each chain owns its registry (no process-global metrics system), so several nodes in one
/// test process do not share counters. Counters for a label value are created once and then
/// looked up by the registry (one lock, no allocation after the first time).
public final class NodeMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()

    private let admitted: Counter
    private let blocks: Counter
    private let included: Counter
    private let failedReceipts: Counter
    private let batchesSealed: Counter
    private let mempool: Gauge
    private let blockSeconds: DurationHistogram

    static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10),
        .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5),
    ]

    public init() {
        admitted = registry.makeCounter(name: "cloister_transactions_admitted_total", labels: [])
        blocks = registry.makeCounter(name: "cloister_blocks_produced_total", labels: [])
        included = registry.makeCounter(name: "cloister_transactions_included_total", labels: [])
        failedReceipts = registry.makeCounter(name: "cloister_transactions_failed_total", labels: [])
        batchesSealed = registry.makeCounter(name: "cloister_batches_sealed_total", labels: [])
        mempool = registry.makeGauge(name: "cloister_mempool_transactions", labels: [])
        blockSeconds = registry.makeDurationHistogram(
            name: "cloister_block_production_seconds", labels: [], buckets: Self.latencyBuckets)
    }

    func transactionAdmitted() { admitted.increment() }

    /// A refusal at admission; `reason` is a policy rule id or a short admission reason.
    func transactionRefused(reason: String) {
        registry.makeCounter(name: "cloister_transactions_refused_total", labels: [("reason", reason)]).increment()
    }

    /// A transaction executed as a policy-refused receipt (the authoritative check at execution).
    func transactionRefusedAtExecution(rule: String) {
        registry.makeCounter(name: "cloister_transactions_refused_at_execution_total", labels: [("rule", rule)]).increment()
    }

    func blockProduced(transactions: Int, failed: Int, duration: Duration, mempoolSize: Int) {
        blocks.increment()
        included.increment(by: Int64(transactions))
        failedReceipts.increment(by: Int64(failed))
        blockSeconds.record(duration)
        mempool.set(Double(mempoolSize))
    }

    func batchSealed() { batchesSealed.increment() }

    public func mempoolSize(_ size: Int) { mempool.set(Double(size)) }

    /// One API request: `api` is `rpc` or `admin`, `method` the JSON-RPC method or admin route,
    /// `outcome` `ok`, an error class or an HTTP status.
    public func request(api: String, method: String, outcome: String, duration: Duration) {
        registry.makeCounter(
            name: "cloister_api_requests_total", labels: [("api", api), ("method", method), ("outcome", outcome)]
        ).increment()
        registry.makeDurationHistogram(
            name: "cloister_api_request_seconds", labels: [("api", api), ("method", method)], buckets: Self.latencyBuckets
        ).record(duration)
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> [UInt8] {
        var buffer = [UInt8]()
        registry.emit(into: &buffer)
        return buffer
    }
}

extension AdmissionError {
    /// A short, bounded label for metrics: the policy rule id or the kind of refusal.
    var metricReason: String {
        switch self {
        case .invalidTransaction: return "invalid-transaction"
        case .unsupportedOperation: return "unsupported-operation"
        case .nonceTooLow: return "nonce-too-low"
        case .nonceTooHigh: return "nonce-too-high"
        case .alreadyKnown: return "already-known"
        case .nonceAlreadyPending: return "nonce-already-pending"
        case .senderQueueFull: return "sender-queue-full"
        case .mempoolFull: return "mempool-full"
        case .policyRefused(let rule, _): return "policy:\(rule)"
        }
    }
}
