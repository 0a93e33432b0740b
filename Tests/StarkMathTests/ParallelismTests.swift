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
}
