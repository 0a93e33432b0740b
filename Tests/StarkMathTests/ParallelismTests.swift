import Foundation
import StarkMath
import Testing

@Suite struct ParallelismTests {
    /// Counts the chunks `forEachChunk` hands out.
    static func chunks(_ parallelism: Parallelism) -> [Range<Int>] {
        let lock = NSLock()
        var seen = [Range<Int>]()
        parallelism.forEachChunk(count: 1 << 16, minimumChunk: 1) { range in
            lock.lock()
            seen.append(range)
            lock.unlock()
        }
        return seen.sorted { $0.lowerBound < $1.lowerBound }
    }

    @Test func automaticWorkStaysOnOneThreadInsideASerialScopeAndSpreadsAgainAfterIt() {
        #expect(Self.chunks(.automatic).count > 1)
        let inside = Parallelism.serially { Self.chunks(.automatic) }
        #expect(inside == [0..<(1 << 16)])
        // Nested scopes end where they began.
        let nested = Parallelism.serially { Parallelism.serially { Self.chunks(.automatic) } + Self.chunks(.automatic) }
        #expect(nested.count == 2)
        #expect(Self.chunks(.automatic).count > 1)
    }

    /// Inside a low-priority scope every chunk still runs exactly once, on the caller and on
    /// helper threads of idle priority (the prover's threads beside a sequencer), and a bulk
    /// operation nested in a chunk runs inline rather than waiting on a busy helper.
    @Test func lowPriorityWorkCoversEveryChunkOnIdleHelpersAndNestsInline() {
        let lock = NSLock()
        var seen = [Range<Int>]()
        var helperIdle = Set<Bool>()
        var nestedChunks = 0
        let caller = pthread_self()
        Parallelism.atLowPriority {
            for _ in 0..<20 {
                Parallelism.automatic.forEachChunk(count: 1 << 16, minimumChunk: 1) { range in
                    var inner = 0
                    Parallelism.automatic.forEachChunk(count: 1 << 12, minimumChunk: 1) { _ in inner += 1 }
                    // Busy for a moment, so the helpers get their share of the chunks.
                    var sink = 0
                    for value in range { sink &+= value &* value }
                    lock.lock()
                    seen.append(range)
                    nestedChunks = max(nestedChunks, inner)
                    if pthread_equal(pthread_self(), caller) == 0 { helperIdle.insert(ThreadPriority.currentThreadIsIdle) }
                    lock.unlock()
                    _ = sink
                }
            }
        }
        let sorted = seen.sorted { $0.lowerBound < $1.lowerBound }
        #expect(sorted.count == 20 * 16)
        #expect(sorted.reduce(0) { $0 + $1.count } == 20 * (1 << 16))
        #expect(nestedChunks == 1, "a nested bulk operation inside a chunk runs inline")
        // Helpers get chunks only when a core is free for them (the suite runs in parallel),
        // but any chunk that ran off the calling thread ran on a SCHED_IDLE helper.
        #expect(!helperIdle.contains(false), "chunks off the calling thread run on SCHED_IDLE helpers")
        // Outside the scope, work goes back to Dispatch's threads.
        #expect(Self.chunks(.automatic).count > 1)
    }

    /// A helper picks up work once the calling thread leaves it a core (here: it waits inside
    /// its chunk for another chunk to run), and runs it under SCHED_IDLE.
    @Test func aHelperRunsChunksUnderSchedIdle() {
        guard Parallelism.coreCount > 1 else { return }
        let otherChunkRan = DispatchSemaphore(value: 0)
        let lock = NSLock()
        var helperIdle = [Bool]()
        var waited = DispatchTimeoutResult.success
        let caller = pthread_self()
        Parallelism.atLowPriority {
            Parallelism.automatic.forEachChunk(count: 2, minimumChunk: 1) { _ in
                if pthread_equal(pthread_self(), caller) != 0 {
                    // Bounded: a SCHED_IDLE helper runs only when a core is free, and the suite is busy.
                    waited = otherChunkRan.wait(timeout: .now() + 120)
                } else {
                    lock.withLock { helperIdle.append(ThreadPriority.currentThreadIsIdle) }
                    otherChunkRan.signal()
                }
            }
        }
        #expect(waited == .success, "no helper ran the other chunk within 120 s")
        #expect(helperIdle == [true])
    }

    /// Each priority lowers only the thread that asks for it: `idle` is SCHED_IDLE, `lowered` nice 10.
    @Test func threadPriorityLowersOnlyTheCallingThread() {
        final class Seen: @unchecked Sendable {
            var idle = false
            var niceness: Int32 = 0
        }
        for priority in [ThreadPriority.idle, .lowered] {
            let seen = Seen()
            let finished = DispatchSemaphore(value: 0)
            Thread {
                #expect(priority.applyToCurrentThread())
                seen.idle = ThreadPriority.currentThreadIsIdle
                seen.niceness = ThreadPriority.currentNiceness
                finished.signal()
            }.start()
            finished.wait()
            #expect(seen.idle == (priority == .idle))
            if priority == .lowered { #expect(seen.niceness == 10) }
        }
    }
}
