import Foundation
import Node
import Locking

/// Bounds how many policy refusals one member may provoke before execution per minute
/// (`[api] policy_refusals_per_minute`).
///
/// A refusal is one bit about the rules — and, at execution, about the other party — so a
/// member probing for another's holdings needs many of them. Past the bound, that member's
/// `eth_estimateGas`, `eth_call` and `eth_sendRawTransaction` are refused (-32005) until the
/// oldest refusal is a minute old, and each such refusal is counted in
/// `cloister_policy_probes_throttled_total{member}` for the operator's alerts.
final class PolicyRefusalLimiter: Sendable {
    let perMinute: Int
    private let window: TimeInterval = 60
    private let clock: @Sendable () -> Date
    private let refusals = Locked<[String: [Date]]>([:])

    init(perMinute: Int, clock: @escaping @Sendable () -> Date = Date.init) {
        self.perMinute = perMinute
        self.clock = clock
    }

    /// Counts one refusal `member` provoked.
    func record(_ member: String) {
        let now = clock()
        refusals.withLock { table in
            var times = table[member, default: []].filter { now.timeIntervalSince($0) < window }
            times.append(now)
            table[member] = times
        }
    }

    /// The error to answer when `member` is over its bound, nil otherwise.
    func refusal(_ member: String, metrics: NodeMetrics) -> RPCError? {
        let now = clock()
        let wait: TimeInterval? = refusals.withLock { table in
            guard let times = table[member] else { return nil }
            let recent = times.filter { now.timeIntervalSince($0) < window }
            table[member] = recent.isEmpty ? nil : recent
            guard recent.count >= perMinute, let oldest = recent.first else { return nil }
            return window - now.timeIntervalSince(oldest)
        }
        guard let wait else { return nil }
        metrics.policyProbeThrottled(member: member)
        return .limitExceeded(
            "member \(member) provoked \(perMinute) policy refusals in the last minute: calls that ask policy are refused "
                + "for \(Int(wait.rounded(.up))) s more (every refusal is audited)")
    }

    /// Throws the refusal when `member` is over its bound.
    func check(_ member: String, metrics: NodeMetrics) throws {
        if let error = refusal(member, metrics: metrics) { throw error }
    }
}
