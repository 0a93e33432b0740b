import Foundation

/// Runs postgres-nio's async calls for the store's synchronous methods (`ChainStore` is
/// synchronous, like SQLite).
///
/// The async work runs on one dedicated thread of its own (a `TaskExecutor`), never on the
/// cooperative pool: the caller blocks on a semaphore until the work ends, and with one pool
/// thread per core, callers blocking pool threads while their work needed one would deadlock.
/// Nothing here runs on a NIO event loop either (the client has an event loop group of its own),
/// and the bridge thread itself never blocks.
final class BlockingBridge: TaskExecutor, @unchecked Sendable {
    /// One thread serves every store of the process: it only encodes and decodes messages.
    static let shared = BlockingBridge()

    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private let threadKey = "cloister.postgres-bridge"

    private init() {
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = threadKey
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        Thread.current.threadDictionary[threadKey] = true
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }

    /// Starts `body` on the bridge thread and returns at once (the client's background work).
    @discardableResult
    func start(_ body: @escaping @Sendable () async -> Void) -> Task<Void, Never> {
        Task(executorPreference: self) { await body() }
    }

    /// Runs `body` on the bridge thread and waits for it, at most `timeout` (nil: as long as it
    /// takes). Returns nil when the time ran out; the work is then cancelled.
    func wait<T: Sendable>(timeout: Duration?, _ body: @escaping @Sendable () async throws -> T) -> Result<T, any Error>? {
        precondition(
            Thread.current.threadDictionary[threadKey] == nil, "a PostgreSQL store was called from its own bridge thread")
        let outcome = Outcome<T>()
        let done = DispatchSemaphore(value: 0)
        let task = Task(executorPreference: self) {
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            outcome.set(result)
            done.signal()
        }
        if let timeout {
            let (seconds, attoseconds) = timeout.components
            let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
            if done.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .timedOut {
                task.cancel()
                return nil
            }
        } else {
            done.wait()
        }
        return outcome.get()
    }
}

/// The result of one bridged call, set on the bridge thread and read by the waiting caller.
private final class Outcome<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, any Error>?

    func set(_ result: Result<T, any Error>) {
        lock.lock()
        self.result = result
        lock.unlock()
    }

    func get() -> Result<T, any Error>? {
        lock.lock()
        defer { lock.unlock() }
        return result
    }
}
