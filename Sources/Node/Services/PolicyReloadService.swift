@preconcurrency import Dispatch
import Foundation
import Logging
import Policy
import ServiceLifecycle
import Sequencer

/// Reloads the policy on SIGHUP and when a file of the policy folder changes.
///
/// A valid policy takes effect from the next block and is logged and audited with its
/// hash; an invalid one is refused with every problem logged, and the old policy stays.
public struct PolicyReloadService: Service {
    let chain: Chain
    let directory: String
    let logger: Logger
    let pollInterval: Duration

    public init(chain: Chain, directory: String, logger: Logger, pollInterval: Duration = .seconds(1)) {
        self.chain = chain
        self.directory = directory
        self.logger = logger
        self.pollInterval = pollInterval
    }

    public func run() async throws {
        let hangups = Self.hangupSignals()
        let initial = Self.fingerprint(of: directory)
        try await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in hangups {
                        logger.info("SIGHUP: reloading policy", metadata: ["directory": "\(directory)"])
                        await reload()
                    }
                }
                group.addTask {
                    var fingerprint = initial
                    while !Task.isCancelled && !Task.isShuttingDownGracefully {
                        try? await Task.sleep(for: pollInterval)
                        let current = Self.fingerprint(of: directory)
                        if current != fingerprint {
                            fingerprint = current
                            logger.info("policy files changed: reloading", metadata: ["directory": "\(directory)"])
                            await reload()
                        }
                    }
                }
                await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {}
    }

    /// Loads, validates and applies; on any problem the old policy stays.
    public func reload() async {
        do {
            let compiled = try PolicyLoader.load(directory: directory, tokens: chain.config.tokens)
            if compiled.hash == (chain.currentPolicy)?.hash { return }
            try await chain.applyPolicy(compiled)
        } catch {
            logger.error("policy reload refused; the previous policy stays in force: \(error)")
            await chain.recordPolicyRejected(String(describing: error))
        }
    }

    /// Names, sizes and modification times of the folder's files: a change means reload.
    static func fingerprint(of directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.sorted() ?? []
        return names.map { name in
            let attributes = try? FileManager.default.attributesOfItem(atPath: directory + "/" + name)
            let size = (attributes?[.size] as? NSNumber)?.intValue ?? -1
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(name):\(size):\(modified)"
        }
    }

    /// SIGHUP as an async sequence (the default action, terminating the process, is disabled).
    static func hangupSignals() -> AsyncStream<Void> {
        AsyncStream { continuation in
            signal(SIGHUP, SIG_IGN)
            nonisolated(unsafe) let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
            source.setEventHandler { continuation.yield() }
            continuation.onTermination = { _ in source.cancel() }
            source.resume()
        }
    }
}
