import CFuzzDriver
import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// What every fuzz target shares: the driver, the input as bytes, contract checks that stop
/// the run, and a way to wait for async code from libFuzzer's synchronous callback.
///
/// A decoder may refuse any input with a thrown error; a trap, a broken contract (checked
/// with ``expect(_:_:file:line:)``), a hang, a leak or a memory error is a finding, and
/// libFuzzer writes the input that caused it as an artifact.
public enum Fuzz {
    /// Hands control to libFuzzer; call it from the target's main.swift.
    public static func main() -> Never {
        exit(cloister_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv))
    }

    /// The input as an array (the decoders under test take `[UInt8]`).
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// Stops the run when a decoder's contract does not hold: libFuzzer reports it as a crash.
    public static func expect(
        _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID,
        line: UInt = #line
    ) {
        if !condition() { fatalError("contract broken: \(message())", file: file, line: line) }
    }

    /// Runs `work` to completion and returns its result, blocking the calling thread.
    public static func wait<T: Sendable>(_ work: @escaping @Sendable () async -> T) -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            box.value = await work()
            done.signal()
        }
        done.wait()
        return box.value!
    }
}

/// Carries a result from the task to the waiting thread; the semaphore orders the accesses.
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
