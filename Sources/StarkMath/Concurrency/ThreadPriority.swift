#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How much a thread of the node's own background work may take from blocks and requests.
///
/// On Linux both apply to one thread (scheduling attributes are per thread there) and are
/// inherited by threads it creates, so such a thread must not create the node's other
/// threads (see `BackgroundThread` in the node, which hands results back through a relay).
public enum ThreadPriority: Sendable, Hashable {
    /// nice 10: about a tenth of a core's share against normal threads. For work the block
    /// path waits for (a batch's state tree), which must still finish under load.
    case lowered
    /// `SCHED_IDLE`: runs only on a core no normal thread wants, and a waking normal thread
    /// takes the core at once. For work that may wait out a load (proving). nice 10 is not
    /// enough there: a nice-10 prover still takes a large share of the cores from the
    /// sequencer, a `SCHED_IDLE` one gives them up whenever a normal thread can run.
    case idle

    /// The nice value of ``lowered``, and of ``idle`` where `SCHED_IDLE` is refused.
    public var niceness: Int32 {
        switch self {
        case .lowered: 10
        case .idle: 19
        }
    }

    /// Lowers the calling thread to this priority (never raises it). Returns false if the
    /// system refused (the thread then keeps what it had).
    @discardableResult
    public func applyToCurrentThread() -> Bool {
        #if os(Linux)
        if self == .idle {
            var parameters = sched_param()
            parameters.sched_priority = 0
            // SCHED_IDLE is 5 in <sched.h> (behind _GNU_SOURCE); pid 0 is the calling thread.
            if sched_setscheduler(0, Self.linuxSchedIdle, &parameters) == 0 { return true }
        }
        // `who` 0 is the calling thread alone on Linux.
        return setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness) == 0
        #else
        return false
        #endif
    }

    /// The calling thread's scheduling, for tests: true when it runs under `SCHED_IDLE`.
    public static var currentThreadIsIdle: Bool {
        #if os(Linux)
        return sched_getscheduler(0) == linuxSchedIdle
        #else
        return false
        #endif
    }

    /// The calling thread's nice value.
    public static var currentNiceness: Int32 {
        #if os(Linux)
        return getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        #else
        return getpriority(PRIO_PROCESS, 0)
        #endif
    }

    static let linuxSchedIdle: Int32 = 5
}
