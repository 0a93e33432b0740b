import Foundation

import Locking

/// Runs work on a thread of its own at a lowered priority (``ThreadPriority``), so that under
/// load the kernel gives the cores to blocks and requests first.
///
/// The result goes back to the awaiting task through ``ContinuationRelay``, a thread of normal
/// priority: resuming a continuation may make the concurrency runtime start a pool thread from
/// the resuming thread, and a thread started there would inherit the lowered priority and then
/// answer requests at it.
public enum BackgroundThread {
    public static func run<R: Sendable>(
        name: String, priority: ThreadPriority = .lowered, _ work: @escaping @Sendable () throws -> R
    ) async throws -> R {
        // Made here, on a thread of normal priority, if this is the first use.
        let relay = ContinuationRelay.shared
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                priority.applyToCurrentThread()
                let result = Result { try work() }
                relay.send { continuation.resume(with: result) }
            }
            thread.name = name
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}

/// One thread of normal priority that runs the closures handed to it, in order: how threads
/// of lowered priority resume the tasks that wait for them.
final class ContinuationRelay: Sendable {
    static let shared = ContinuationRelay()

    private let pending = Locked<[@Sendable () -> Void]>([])
    private let ready = DispatchSemaphore(value: 0)

    private init() {
        let thread = Thread { [self] in
            while true {
                ready.wait()
                let next = pending.withLock { $0.isEmpty ? nil : $0.removeFirst() }
                next?()
            }
        }
        thread.name = "cloister-relay"
        thread.start()
    }

    func send(_ body: @escaping @Sendable () -> Void) {
        pending.withLock { $0.append(body) }
        ready.signal()
    }
}
