import ArgumentParser
import Foundation
import Logging
import PostgresStore
import ProverJobs
import ServiceLifecycle
import Store

/// `cloister prover`: a worker (the default, `cloister prover run`) and the operator's commands on
/// the queue (`cloister prover retry`).
struct ProverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prover",
        abstract: "Prover workers and their job queue in the node's PostgreSQL database.",
        subcommands: [ProverRunCommand.self, ProverRetryCommand.self],
        defaultSubcommand: ProverRunCommand.self)
}

/// Where the queue is: the node's database and its password (never in the URL).
struct ProverDatabaseOptions: ParsableArguments {
    @Option(help: "The node's database: postgresql://USER@HOST[:PORT]/DATABASE (no password in the URL).")
    var database: String

    @Option(help: "A file whose first line is the database password.")
    var passwordFile: String?

    @Option(help: "An environment variable holding the database password.")
    var passwordEnv: String?

    func location() throws -> PostgresLocation {
        do {
            return try PostgresLocation(url: database, password: try readPassword())
        } catch let error as StoreError {
            throw CommandFailure(error.description)
        }
    }

    private func readPassword() throws -> String? {
        switch (passwordFile, passwordEnv) {
        case (nil, nil): return nil
        case (.some, .some): throw CommandFailure("give only one of --password-file and --password-env")
        case (let path?, nil):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CommandFailure("--password-file \(path) cannot be read")
            }
            return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        case (nil, let name?):
            guard let value = ProcessInfo.processInfo.environment[name] else {
                throw CommandFailure("--password-env \(name): the variable is not set")
            }
            return value
        }
    }
}

/// `cloister prover retry --batch N`: puts a failed job back.
struct ProverRetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Put a failed prover job back to waiting with fresh attempts.",
        discussion: """
            A job that failed --max-attempts times stays failed, and settlement waits at its batch (the node logs \
            it; /health and the metrics count it). Once the cause is fixed (a worker with more memory, a fixed \
            build), this puts it back; a worker claims it again. The last failure stays in the job's row.
            """)

    @OptionGroup var queue: ProverDatabaseOptions

    @Option(help: "The batch whose failed job to put back.")
    var batch: UInt64

    func run() async throws {
        let logger = Logger(label: "cloister.prover")
        do {
            let queue = try await PostgresProverQueue.connect(location: try self.queue.location(), logger: logger)
            guard try await queue.retryFailed(batch: batch) else {
                let job = try await queue.jobs(from: batch).first { $0.batch == batch }
                throw CommandFailure(
                    job.map { "batch \(batch)'s job is \($0.state.rawValue), not failed: nothing to put back" }
                        ?? "no prover job for batch \(batch)")
            }
            print("batch \(batch): its job waits again with fresh attempts")
        } catch let error as StoreError {
            throw CommandFailure(error.description)
        }
    }
}

struct ProverRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a prover worker (the default): prove the batches the node enqueues in its PostgreSQL database.",
        discussion: """
            Claims the oldest waiting job (or one whose worker's lease expired), opens its witness with the prover key, \
            proves it while renewing its lease, stores the proof and goes on. Needs the node's database (the role needs \
            SELECT, INSERT, UPDATE and DELETE on prover_jobs and prover_workers) and the node's prover key; never the \
            master key. Stops on SIGINT/SIGTERM, handing back the job it holds.
            """)

    @OptionGroup var queue: ProverDatabaseOptions

    @Option(help: "The prover key file (the node's [settlement] prover_key_file; `cloister keys new-prover`).")
    var proverKey: String

    @Option(help: "How long a claim holds without renewal (renewed every third of it), e.g. 30s or 500ms.")
    var lease: String = "30s"

    @Option(help: "Attempts a job may take before it is marked failed.")
    var maxAttempts: Int = 3

    @Option(help: "Serve this worker's Prometheus metrics at http://127.0.0.1:PORT/metrics (0: any free port).")
    var metricsPort: Int?

    @Option(help: "This worker's name in job rows and logs (default: host name and process id).")
    var workerId: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func run() async throws {
        let logger = try ServiceLogging.bootstrap(label: "cloister.prover", level: logLevel)
        guard let lease = Self.duration(lease), lease >= .milliseconds(300) else {
            throw CommandFailure("--lease \(self.lease): give a duration of at least 300ms, e.g. 30s or 1500ms")
        }
        guard (1...100).contains(maxAttempts) else { throw CommandFailure("--max-attempts \(maxAttempts): use 1 to 100") }
        let location = try queue.location()
        let settings = ProverWorkerSettings(
            worker: workerId ?? "\(ProcessInfo.processInfo.hostName)-\(getpid())", lease: lease, maxAttempts: maxAttempts)
        do {
            let key = try ProverKey.load(from: proverKey)
            let queue = try await PostgresProverQueue.connect(location: location, logger: logger)
            let worker = ProverWorker(queue: queue, key: key, settings: settings, logger: logger)
            var services: [any Service] = [worker]
            if let metricsPort {
                services.append(
                    worker.metrics.server(port: metricsPort, logger: logger) { port in
                        logger.info("prover metrics listening", metadata: ["metrics": "http://127.0.0.1:\(port)/metrics"])
                    })
            }
            let group = ServiceGroup(
                configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        } catch let error as ProverJobError {
            throw CommandFailure(error.description)
        } catch let error as StoreError {
            throw CommandFailure(error.description)
        } catch let error as WorkerStop {
            throw CommandFailure(error.description)
        }
    }

    /// `30s`, `1500ms`, `2m`.
    static func duration(_ text: String) -> Duration? {
        for (suffix, unit) in [("ms", Duration.milliseconds(1)), ("s", .seconds(1)), ("m", .seconds(60))] where text.hasSuffix(suffix) {
            guard let value = Int(text.dropLast(suffix.count)), value >= 0 else { return nil }
            return unit * value
        }
        return nil
    }
}
