import Dispatch
import Primitives
import Store
import Locking

/// Group commit of accepted transactions to the store's admission journal.
///
/// A caller waits until its entries are written. While one write runs, the entries of the
/// callers that come meanwhile gather and go in the next write, so a busy node pays one
/// storage transaction per group, not per transaction. Writes run on a queue of their own,
/// never on the cooperative pool that serves requests.
///
/// After a write fails (the database went away: each try can take the store's whole timeout),
/// records are refused at once with that failure, and one write tries the store again every
/// `retryMilliseconds` (on the chain's clock), so during an outage a client hears "not accepted" in microseconds instead of
/// waiting out another timeout. The first write that succeeds ends the outage.
final class AdmissionJournal: Sendable {
    private struct Waiter: Sendable {
        var entries: [(hash: Hash32, raw: [UInt8])]
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct Outage: Sendable {
        var failure: String
        /// The chain clock's millisecond at which a record may try the store again.
        var nextTry: UInt64
    }

    private struct State: Sendable {
        var waiting: [Waiter] = []
        var writing = false
        var outage: Outage?
    }

    private let store: any ChainStore
    private let state = Locked(State())
    private let queue = DispatchQueue(label: "cloister.admission-journal")
    private let retryMilliseconds: UInt64
    /// The chain's clock in milliseconds (a test's own clock decides when the store is tried again).
    private let clock: @Sendable () -> UInt64

    init(store: any ChainStore, clock: @escaping @Sendable () -> UInt64, retryMilliseconds: UInt64 = 1_000) {
        self.store = store
        self.clock = clock
        self.retryMilliseconds = retryMilliseconds
    }

    /// Returns once `entries` are in the journal; throws the store's error if the write failed,
    /// or ``JournalOutage`` at once while an outage is known and it is not yet time to try again.
    func record(_ entries: [(hash: Hash32, raw: [UInt8])]) async throws {
        guard !entries.isEmpty else { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome = state.withLock { state -> Result<Bool, JournalOutage> in
                if let outage = state.outage, state.writing || clock() < outage.nextTry {
                    return .failure(JournalOutage(failure: outage.failure, retryMilliseconds: retryMilliseconds))
                }
                state.waiting.append(Waiter(entries: entries, continuation: continuation))
                guard !state.writing else { return .success(false) }
                state.writing = true
                return .success(true)
            }
            switch outcome {
            case .failure(let refusal): continuation.resume(throwing: refusal)
            case .success(true): queue.async { self.writeWaiting() }
            case .success(false): break
            }
        }
    }

    /// Writes every waiting group until none is left.
    private func writeWaiting() {
        while true {
            let group = state.withLock { state -> [Waiter] in
                let group = state.waiting
                state.waiting.removeAll()
                if group.isEmpty { state.writing = false }
                return group
            }
            guard !group.isEmpty else { return }
            do {
                try store.journalAdmissions(group.flatMap(\.entries))
                state.withLock { $0.outage = nil }
                for waiter in group { waiter.continuation.resume() }
            } catch {
                // Those that came during the failed write are refused now too, not after another.
                let nextTry = clock() + retryMilliseconds
                let stranded = state.withLock { state -> [Waiter] in
                    state.outage = Outage(failure: "\(error)", nextTry: nextTry)
                    defer { state.waiting.removeAll() }
                    return state.waiting
                }
                for waiter in group { waiter.continuation.resume(throwing: error) }
                let refusal = JournalOutage(failure: "\(error)", retryMilliseconds: retryMilliseconds)
                for waiter in stranded { waiter.continuation.resume(throwing: refusal) }
            }
        }
    }
}

/// A record refused without a write: the last journal write failed and the next try is not due.
struct JournalOutage: Error, CustomStringConvertible {
    let failure: String
    let retryMilliseconds: UInt64
    var description: String {
        "\(failure) (refused at once: the last journal write failed; the store is tried again every \(retryMilliseconds) ms)"
    }
}
