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
final class AdmissionJournal: Sendable {
    private struct Waiter: Sendable {
        var entries: [(hash: Hash32, raw: [UInt8])]
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State: Sendable {
        var waiting: [Waiter] = []
        var writing = false
    }

    private let store: any ChainStore
    private let state = Locked(State())
    private let queue = DispatchQueue(label: "cloister.admission-journal")

    init(store: any ChainStore) { self.store = store }

    /// Returns once `entries` are in the journal; throws the store's error if the write failed.
    func record(_ entries: [(hash: Hash32, raw: [UInt8])]) async throws {
        guard !entries.isEmpty else { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let startsWriter = state.withLock { state -> Bool in
                state.waiting.append(Waiter(entries: entries, continuation: continuation))
                guard !state.writing else { return false }
                state.writing = true
                return true
            }
            if startsWriter { queue.async { self.writeWaiting() } }
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
                for waiter in group { waiter.continuation.resume() }
            } catch {
                for waiter in group { waiter.continuation.resume(throwing: error) }
            }
        }
    }
}
