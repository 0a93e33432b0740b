import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether a bulk operation (NTT, Merkle tree, tree rebuild) may spread over all cores.
///
/// `.automatic` uses every core once the work is large enough to repay the hand-off;
/// `.serial` keeps everything on the calling thread (benchmarks compare the two, and a
/// caller that already runs one job per core avoids oversubscription).
public enum Parallelism: Sendable, Hashable {
    case serial
    case automatic

    /// More chunks than cores lets Dispatch balance uneven chunks; 16 is ample for the
    /// 2 to 8 cores this runs on.
    static let maximumChunkCount = 16

    /// The most chunks ``forEachChunk(count:minimumChunk:_:)`` ever makes, for callers
    /// that size their chunks to it.
    public static var maximumChunkCountForCallers: Int { maximumChunkCount }

    /// The number of online cores (at least 1): how many groups to split work into when
    /// each group needs its own scratch memory.
    public static let coreCount: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Runs `body` with every bulk operation it starts on this thread kept on this thread,
    /// `.automatic` included: for work that must leave the other cores to something more
    /// urgent (a node's prover beside its sequencer). Scopes nest.
    public static func serially<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        let outer = pthread_getspecific(serialScopeKey)
        pthread_setspecific(serialScopeKey, UnsafeRawPointer(bitPattern: 1))
        defer { pthread_setspecific(serialScopeKey, outer) }
        return try body()
    }

    /// Runs `body` with every bulk operation it starts on this thread spread over threads of
    /// idle priority (``ThreadPriority/idle``), one per core, instead of Dispatch's: for a
    /// prover that should have every core while the machine is idle and none while blocks and
    /// requests need them. Call it on a thread that itself runs at idle priority. Inside ``serially(_:)`` it
    /// stays serial.
    public static func atLowPriority<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        let outer = pthread_getspecific(lowPriorityScopeKey)
        pthread_setspecific(lowPriorityScopeKey, UnsafeRawPointer(bitPattern: 1))
        defer { pthread_setspecific(lowPriorityScopeKey, outer) }
        return try body()
    }

    private static let lowPriorityScopeKey: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "no thread-specific key is left for Parallelism")
        return key
    }()

    /// The thread-specific flag of ``serially(_:)``: non-nil inside a scope.
    private static let serialScopeKey: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "no thread-specific key is left for Parallelism")
        return key
    }()

    /// Splits `0 ..< count` into contiguous chunks of at least `minimumChunk` items and
    /// runs `body` on each: on several threads under `.automatic`, inline under `.serial`
    /// or when there is only one chunk's worth of work.
    ///
    /// Chunks are disjoint, so a body that writes only inside its own chunk of a buffer
    /// needs no locking. `body` must not touch shared mutable state otherwise.
    public func forEachChunk(count: Int, minimumChunk: Int, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let serial = self == .serial || pthread_getspecific(Self.serialScopeKey) != nil
        let chunkCount = serial ? 1 : min(Self.maximumChunkCount, count / max(1, minimumChunk))
        if chunkCount <= 1 {
            body(0..<count)
            return
        }
        let chunkSize = (count + chunkCount - 1) / chunkCount
        if pthread_getspecific(Self.lowPriorityScopeKey) != nil {
            LowPriorityWorkers.shared.run(chunkCount: chunkCount) { chunk in
                let start = chunk * chunkSize
                let end = min(count, start + chunkSize)
                if start < end { body(start..<end) }
            }
            return
        }
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
                let start = chunk * chunkSize
                let end = min(count, start + chunkSize)
                if start < end { work.value(start..<end) }
            }
        }
    }
}

/// Carries the chunk body, which runs on disjoint ranges only, across the Dispatch
/// boundary.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
