import Logging
import ServiceLifecycle
import Sequencer

/// Keeps the account tree in step with committed blocks and records batch roots.
public struct StateCommitmentService: Service {
    let chain: Chain

    public init(chain: Chain) { self.chain = chain }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await chain.runStateCommitment()
        } onGracefulShutdown: {
            Task { await chain.finishStateCommitment() }
        }
    }
}
