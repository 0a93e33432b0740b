#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Failed-login limiting per source (a client IP, or whatever the HTTP layer keys on).
///
/// A sliding window: a source that has failed `maxFailures` times within the last `window`
/// is refused until the oldest of those failures leaves the window. A success forgets the
/// source's failures, so a person who mistypes and then signs in is not penalised later.
/// Only failures are counted: challenges and successful logins are never limited here.
///
/// Memory stays proportional to the sources that failed within one window: each keeps at most
/// `maxFailures` timestamps, and sources whose failures have all left the window are swept out
/// when the table grows past `maxSources` (then past twice what survived, so that a flood of
/// distinct sources costs amortised constant time per failure).
public actor LoginRateLimiter {
    private let maxFailures: Int
    private let window: TimeInterval
    private let maxSources: Int
    private let clock: @Sendable () -> Date
    /// Failure times per source, oldest first.
    private var failures: [String: [Date]] = [:]
    private var sweepThreshold: Int

    /// - Parameters:
    ///   - maxFailures: failures allowed within `window` before further attempts are refused.
    ///   - window: how far back failures count.
    ///   - maxSources: table size past which sources with no recent failure are swept out.
    public init(
        maxFailures: Int = 10, window: Duration = .seconds(60), maxSources: Int = 100_000,
        clock: @escaping @Sendable () -> Date = Date.init
    ) {
        precondition(maxFailures > 0, "maxFailures must be positive")
        self.maxFailures = maxFailures
        self.window = window.timeInterval
        self.maxSources = maxSources
        self.sweepThreshold = maxSources
        self.clock = clock
    }

    /// Throws ``AuthError/rateLimited(retryAfterSeconds:)`` when `source` has used up its failures.
    public func check(source: String) throws(AuthError) {
        let now = clock()
        guard let recent = recentFailures(of: source, now: now), recent.count >= maxFailures else { return }
        let reopensAt = recent[recent.count - maxFailures].addingTimeInterval(window)
        let seconds = max(1, Int(reopensAt.timeIntervalSince(now).rounded(.up)))
        throw .rateLimited(retryAfterSeconds: seconds)
    }

    /// Counts one failed attempt by `source`.
    public func recordFailure(source: String) {
        let now = clock()
        var recent = recentFailures(of: source, now: now) ?? []
        recent.append(now)
        if recent.count > maxFailures { recent.removeFirst(recent.count - maxFailures) }
        failures[source] = recent
        if failures.count > sweepThreshold { sweep(now: now) }
    }

    /// Forgets `source`'s failures.
    public func recordSuccess(source: String) {
        failures[source] = nil
    }

    /// The failures of `source` still inside the window (nil if none), pruning the rest.
    private func recentFailures(of source: String, now: Date) -> [Date]? {
        guard let times = failures[source] else { return nil }
        let cutoff = now.addingTimeInterval(-window)
        let recent = times.filter { $0 > cutoff }
        failures[source] = recent.isEmpty ? nil : recent
        return recent.isEmpty ? nil : recent
    }

    private func sweep(now: Date) {
        let cutoff = now.addingTimeInterval(-window)
        failures = failures.filter { $0.value.last.map { $0 > cutoff } ?? false }
        sweepThreshold = max(maxSources, failures.count * 2)
    }
}

extension Duration {
    /// Seconds as a floating-point interval, for arithmetic on `Date`.
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
