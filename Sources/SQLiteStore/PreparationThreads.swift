import Foundation

/// Runs each piece of work on a thread of its own at lowered priority (nice 10 on Linux):
/// a run or fold is prepared while blocks go on, and under load the kernel gives the cores to
/// the block path and the API first.
final class PreparationThreads: Sendable {
    private let pending = DispatchGroup()

    func run(_ work: @escaping @Sendable () -> Void) {
        pending.enter()
        let thread = Thread { [pending] in
            #if canImport(Glibc)
            // On Linux the nice value is per thread: `who` 0 is this thread alone.
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
            #endif
            work()
            pending.leave()
        }
        thread.name = "cloister-store-prepare"
        thread.start()
    }

    /// Returns once every piece of work started so far has finished.
    func wait() { pending.wait() }
}
