import Dispatch
import Locking
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Threads of idle priority (``ThreadPriority/idle``: `SCHED_IDLE` on Linux) that run the
/// chunks of bulk operations started inside ``Parallelism/atLowPriority(_:)``: a prover
/// beside a sequencer gets every core while the machine is idle, and the kernel hands the
/// cores to normal-priority work (blocks, the API) whenever it has some.
///
/// One helper thread per core but one (the calling thread works too). Helpers are made on
/// first use and live as long as the process.
final class LowPriorityWorkers: Sendable {
    static let shared = LowPriorityWorkers(helpers: max(1, Parallelism.coreCount - 1))
    /// The helpers' priority (and what callers are expected to run at).
    static let priority = ThreadPriority.idle

    private let helperCount: Int
    private let queue = Locked<[Job]>([])
    private let available = DispatchSemaphore(value: 0)

    /// One participation in one bulk operation: pull chunks until none are left, then leave
    /// the group the caller waits on.
    private struct Job: @unchecked Sendable {
        let work: () -> Void
        let done: DispatchGroup
        /// The bulk operation it belongs to (its chunk counter).
        let operation: ObjectIdentifier
    }

    /// The chunk counter a bulk operation's participants share.
    private final class Counter: Sendable {
        let next = Atomic<Int>(0)
    }

    private init(helpers: Int) {
        helperCount = helpers
        for _ in 0..<helpers {
            HelperThread { [self] in self.serve() }.start()
        }
    }

    private func serve() {
        Self.priority.applyToCurrentThread()
        while true {
            available.wait()
            var job = queue.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            guard let done = job?.done else { continue }
            job?.work()
            // Let go of the caller's chunk body before it may return (and check that it did not escape).
            job = nil
            done.leave()
        }
    }

    /// Runs `body` for every chunk index in `0 ..< chunkCount`, on the calling thread and the
    /// helpers, and returns when all have run. Chunks are handed out one at a time, so the
    /// caller never waits while work is left, and a helper busy elsewhere just joins late.
    func run(chunkCount: Int, _ body: (Int) -> Void) {
        let counter = Counter()
        let done = DispatchGroup()
        withoutActuallyEscaping(body) { body in
            let chunk = UncheckedSendable(body)
            let participate: () -> Void = {
                // A bulk operation nested in a chunk runs inline: no helper waits on another.
                Parallelism.serially {
                    while true {
                        let index = counter.next.add(1, ordering: .relaxed).oldValue
                        guard index < chunkCount else { return }
                        chunk.value(index)
                    }
                }
            }
            let operation = ObjectIdentifier(counter)
            for _ in 0..<min(helperCount, chunkCount - 1) {
                done.enter()
                let job = Job(work: participate, done: done, operation: operation)
                queue.withLock { $0.append(job) }
                available.signal()
            }
            participate()
            // Every chunk is taken. Participations no helper has picked up yet (a helper busy
            // with another operation, or starved by normal-priority work) are withdrawn rather
            // than waited for; only helpers inside a chunk are waited for.
            let withdrawn = queue.withLock { jobs in
                let before = jobs.count
                jobs.removeAll { $0.operation == operation }
                return before - jobs.count
            }
            for _ in 0..<withdrawn { done.leave() }
            done.wait()
        }
    }
}

/// A plain thread (Foundation's `Thread` is not available to this module).
private final class HelperThread: @unchecked Sendable {
    private let body: () -> Void

    init(body: @escaping () -> Void) { self.body = body }

    func start() {
        let box = Unmanaged.passRetained(self)
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attributes, 8 << 20)
        var thread = pthread_t()
        let status = pthread_create(
            &thread, &attributes,
            { argument in
                let helper = Unmanaged<HelperThread>.fromOpaque(argument!).takeRetainedValue()
                helper.body()
                return nil
            }, box.toOpaque())
        precondition(status == 0, "cannot start a low-priority worker thread (pthread_create: \(status))")
    }
}
