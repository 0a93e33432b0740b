import Foundation
@testable import StarkMath
import Testing

@Suite struct BackgroundThreadTests {
    struct Refusal: Error, Equatable {}

    /// Work runs at the priority asked for, its result or error comes back, and the waiting
    /// task goes on at normal priority: the relay, not the idle thread, resumes it.
    @Test func workRunsAtItsPriorityAndTheWaiterResumesAtNormalPriority() async throws {
        let idle = try await BackgroundThread.run(name: "test-idle", priority: .idle) {
            (ThreadPriority.currentThreadIsIdle, ThreadPriority.currentNiceness)
        }
        #if os(Linux)
        #expect(idle.0, "idle work runs under SCHED_IDLE")
        #endif
        #expect(!ThreadPriority.currentThreadIsIdle, "the awaiting task is not resumed on the idle thread")
        let lowered = try await BackgroundThread.run(name: "test-lowered", priority: .lowered) {
            (ThreadPriority.currentThreadIsIdle, ThreadPriority.currentNiceness)
        }
        #if os(Linux)
        #expect(!lowered.0)
        #expect(lowered.1 == 10)
        #endif
        await #expect(throws: Refusal.self) {
            try await BackgroundThread.run(name: "test-throws", priority: .idle) { () throws -> Int in throw Refusal() }
        }
    }

    /// The relay that resumes waiters runs at normal priority, in the order it is handed work.
    @Test func theRelayRunsAtNormalPriorityInOrder() async {
        let seen = await withCheckedContinuation { (continuation: CheckedContinuation<[Bool], Never>) in
            let results = Results()
            for index in 0..<3 {
                ContinuationRelay.shared.send {
                    results.append(!ThreadPriority.currentThreadIsIdle && ThreadPriority.currentNiceness == 0 && results.count == index)
                    if index == 2 { continuation.resume(returning: results.values) }
                }
            }
        }
        #expect(seen == [true, true, true])
    }

    final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var stored = [Bool]()
        var count: Int { lock.withLock { stored.count } }
        var values: [Bool] { lock.withLock { stored } }
        func append(_ value: Bool) { lock.withLock { stored.append(value) } }
    }
}
