import Locking

/// The newest decoded records of an append-only sequence (blocks, audit entries), by number.
///
/// Stored blocks and audit entries never change once written, so a decoded one can be kept.
/// The console's overview reads the last ten minutes of blocks and the last hour of audit
/// entries on every view; opened, decrypted and decoded each time, that was most of its time
/// on a busy chain (docs/CONSOLE.md, "Page times"). Bounded: past `capacity` the oldest half
/// is dropped.
final class RecordCache<Value: Sendable>: Sendable {
    private struct Contents {
        var values: [UInt64: Value] = [:]
        var newest: UInt64 = 0
    }

    private let contents = Locked(Contents())
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    subscript(number: UInt64) -> Value? { contents.withLock { $0.values[number] } }

    /// The values of `numbers` in order while each is cached; stops at the first missing one.
    func prefix(_ numbers: Range<UInt64>) -> [(UInt64, Value)] {
        contents.withLock { contents in
            var found: [(UInt64, Value)] = []
            for number in numbers {
                guard let value = contents.values[number] else { break }
                found.append((number, value))
            }
            return found
        }
    }

    func insert(_ value: Value, at number: UInt64) {
        contents.withLock { contents in
            contents.values[number] = value
            contents.newest = max(contents.newest, number)
            guard contents.values.count > capacity else { return }
            let keepFrom = contents.newest >= UInt64(capacity / 2) ? contents.newest - UInt64(capacity / 2) : 0
            contents.values = contents.values.filter { $0.key >= keepFrom }
        }
    }
}
