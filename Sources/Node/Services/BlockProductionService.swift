import Logging
import ServiceLifecycle
import Sequencer

/// Closes a block every block interval; on graceful shutdown, drains the mempool into
/// final blocks before returning, so nothing admitted is dropped by a clean stop.
public struct BlockProductionService: Service {
    let chain: Chain
    let interval: Duration
    let logger: Logger

    public init(chain: Chain, interval: Duration, logger: Logger) {
        self.chain = chain
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        // Block production runs at high priority: under load, the cooperative threads hold
        // hundreds of admission jobs (each a signature recovery), and a block that queued
        // behind them at every hop would take several times its own work to close.
        await withTaskGroup(of: Void.self) { group in
            group.addTask(priority: .high) { await produceUntilShutdown() }
        }
    }

    private func produceUntilShutdown() async {
        let clock = ContinuousClock()
        var due = clock.now.advanced(by: interval)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            // Blocks are due one interval apart, start to start: a block that took longer than
            // the interval to produce is followed at once, not after a further full interval.
            try? await Task.sleep(until: due, clock: clock)
            await step()
            due = Swift.max(due.advanced(by: interval), clock.now)
        }
        while await chain.pendingCount > 0 {
            guard (try? await chain.produceBlock()) != nil else { break }
        }
        let head = await chain.head.header.number
        logger.info("block production stopped", metadata: ["head": "\(head)"])
    }

    /// Blocks that a full batch cut short are followed at once (up to a bound per tick), so
    /// `batch.max_operations` limits the size of a proof, not the chain's throughput.
    static let maximumBlocksPerTick = 32

    func step() async {
        do {
            try await chain.produceBlocks(maximumBlocks: Self.maximumBlocksPerTick)
        } catch {
            logger.error("block production failed: \(error)")
        }
    }
}
