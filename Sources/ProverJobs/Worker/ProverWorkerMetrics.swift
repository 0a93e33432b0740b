import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// A worker's own Prometheus metrics (`cloister prover --metrics-port`): proofs made, failed
/// attempts, lost leases, time spent proving and whether it is proving now.
public final class ProverWorkerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let proofs: Counter
    private let failures: Counter
    private let leasesLost: Counter
    private let provingSeconds: Counter
    private let busy: Gauge

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "cloister_prover", metricName: metric, unitName: unit, helpText: help)
    }

    public init() {
        proofs = registry.makeCounter(descriptor: Self.name("jobs_proved", "total", "Batch proofs this worker stored"), labels: [])
        failures = registry.makeCounter(
            descriptor: Self.name("attempts_failed", "total", "Proof attempts that failed (the job retried or failed)"), labels: [])
        leasesLost = registry.makeCounter(
            descriptor: Self.name("leases_lost", "total", "Jobs another worker took over while this one proved them"), labels: [])
        provingSeconds = registry.makeCounter(
            descriptor: Self.name("proving", "seconds_total", "Wall-clock time spent on stored proofs"), labels: [])
        busy = registry.makeGauge(descriptor: Self.name("busy", "jobs", "1 while the worker proves a batch"), labels: [])
    }

    func started() { busy.set(Double(1)) }
    func finished() { busy.set(Double(0)) }
    func proved(seconds: Double) {
        proofs.increment()
        provingSeconds.increment(by: seconds)
    }
    func failed() { failures.increment() }
    func leaseLost() { leasesLost.increment() }

    /// The Prometheus text exposition.
    public func exposition() -> [UInt8] {
        var buffer = [UInt8]()
        registry.emit(into: &buffer)
        return buffer
    }

    /// `GET /metrics` on `127.0.0.1:port` (loopback only: scrape it through an agent on the
    /// same machine), as a service of the worker's group.
    public func server(port: Int, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void) -> some Service {
        let router = Router()
        router.get("/metrics") { [self] _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: exposition())))
        }
        return Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "cloister-prover"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }
}
