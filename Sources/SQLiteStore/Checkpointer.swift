import Foundation
import GRDB
import Synchronization

/// Copies the WAL back into the database file every `interval`, on a connection and a thread
/// of its own. SQLite's default is to checkpoint inside a committing transaction: the block
/// that crosses the threshold would wait for the copy and its fsync, and so would every
/// receipt behind it. A passive checkpoint waits for no reader or writer.
final class Checkpointer: @unchecked Sendable {
    private let queue: DatabaseQueue
    private let stopped = Atomic<Bool>(false)
    /// Held while a checkpoint runs.
    private let running = NSLock()

    private let interval: Duration

    init(path: String, interval: Duration = .seconds(1)) throws {
        var configuration = Configuration()
        configuration.label = "cloister.checkpoint"
        queue = try DatabaseQueue(path: path, configuration: configuration)
        self.interval = interval
    }

    /// Starts the checkpoint thread; it ends within one interval of `stop()`.
    func start() {
        let interval = self.interval
        let thread = Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18)
                running.lock()
                defer { running.unlock() }
                guard !stopped.load(ordering: .relaxed) else { break }
                // A failed checkpoint loses nothing: the frames stay in the WAL for the next one.
                _ = try? queue.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            }
        }
        thread.name = "cloister-checkpoint"
        thread.start()
    }

    /// Returns once no checkpoint is running and this connection is closed (the file can then
    /// be copied whole, and the store's own last connection does SQLite's final checkpoint).
    func stop() {
        stopped.store(true, ordering: .relaxed)
        running.lock()
        defer { running.unlock() }
        try? queue.close()
    }
}
