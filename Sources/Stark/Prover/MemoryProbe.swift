// TEMPORARY measurement aid, not to be committed.
#if canImport(Glibc)
import Glibc
#endif

enum MemoryProbe {
    static let enabled = getenv("CLOISTER_PROVER_MEMORY_TRACE") != nil
    nonisolated(unsafe) static var start = now()

    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    static func note(_ label: String) {
        guard enabled else { return }
        guard let file = fopen("/proc/self/status", "r") else { return }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        var found = ""
        while fgets(&line, 256, file) != nil {
            let text = String(cString: line)
            if text.hasPrefix("VmRSS") || text.hasPrefix("VmHWM") {
                found += text.filter { !$0.isNewline && $0 != "\t" } + " "
            }
        }
        let elapsed = now() - start
        print("[memory] \(label): \(found) t=\(Int(elapsed * 1000)) ms")
    }
}
