import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import Node
import Primitives

import NodeConfiguration
import ProverJobs
#if canImport(Glibc)
import Glibc
#endif

/// `cloister bench [run]`: starts a node (with its embedded L1 mock) as a child process on
/// free loopback ports, drives pre-signed transfers at it over keep-alive connections, and
/// reports throughput, receipt latency, refusals, settlement progress and memory, beside the
/// secp256k1 recovery bound of this machine. See docs/BENCH.md.
struct BenchRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a node under load and report throughput, latency, refusals, batches and memory (docs/BENCH.md).")

    @Option(help: "How long to send, e.g. 60s, 2m, 500ms.") var duration: String = "60s"
    @Option(help: "Transfers per second in total; 0 sends flat out.") var rate: Int = 0
    @Option(help: "Accounts in the state (members plus synthetic genesis accounts).") var accounts: Int = 10_000
    @Option(help: "Run several state sizes and report them side by side, e.g. 10000,100000,1000000 (overrides --accounts).")
    var growth: String?
    @Option(help: "Members sending transfers (at most --accounts).") var senders: Int = 2_000
    @Option(help: "Keep-alive connections sending transfers.") var connections: Int = 32
    @Option(help: "Transfers per HTTP request (JSON-RPC batch when > 1; 1 sends each transfer on its own).") var batch: Int = 20
    @Option(help: "Pre-signed transfers (default: rate × duration, or 20,000/s × duration flat out).") var transfers: Int?
    @Option(help: "Measure the receipt latency of one transfer in this many (default: about 100 samples a second).")
    var sampleEvery: Int?
    @Option(help: "Seconds to time secp256k1 recovery on one core and on two.") var recoverySeconds: Double = 1.5
    @Option(help: "Write the results as JSON to this file.") var json: String?
    @Option(help: "Write an SVG chart of throughput and p99 latency over time to this file.") var svg: String?
    @Option(help: "Keep the node's folder (config, data, node.log) here instead of a temporary folder.") var keep: String?
    @Option(help: "The cloister binary to start as the node (default: this one).") var nodeBinary: String?
    @Option(
        help: "When a run's node finishes no proof, prove a batch of this many transfers alone after the runs (on every core) and report the prover's rate from it (default: the node's batch size); 0 skips.")
    var proverSample: Int = NodeConfig.Batch.defaultMaxOperations
    @Option(
        help: "The node's batch prover: background (the node's default: every batch, on every core at idle priority), stark (at normal priority, beside blocks and requests) or none (the sequencer alone).")
    var prover: String = "background"
    @Option(help: "The benchmark chain's batch.max_operations (default: the node's, 4,096; `batch.max_proof_rows` still bounds each proof).")
    var batchOperations: Int?
    @Option(help: "Journal accepted transactions before answering (the node's default, true); false measures what it costs.")
    var durableAdmission: Bool = true
    @Option(help: "The benchmark chain's block interval, e.g. 100ms (shorter: lower latency, more blocks).")
    var blockInterval: String = "50ms"
    @Option(help: "The node's store: sqlite (a file in its folder) or postgres (--database, or a throwaway cluster of its own).")
    var store: String = "sqlite"
    @Option(help: "With --store postgres: a server whose role may create databases (a new one per run), postgresql://USER@HOST:PORT/DB.")
    var database: String?
    @Option(help: "With --database: the environment variable holding its password.") var passwordEnv: String?
    @Option(help: "Prove with this many `cloister prover` processes beside the node (prover = external; needs --store postgres).")
    var provers: Int = 0

    func run() async throws {
        let seconds = try Self.parseDuration(duration)
        let sizes = try growth.map(Self.parseSizes) ?? [accounts]
        guard rate >= 0, connections >= 1, connections <= 1_000, (1...1_000).contains(batch), senders >= 2 else {
            throw CommandFailure("--rate ≥ 0, --connections 1 to 1000, --batch 1 to 1000, --senders ≥ 2")
        }
        guard let smallest = sizes.min(), smallest >= 3 else { throw CommandFailure("--accounts must be at least 3") }
        guard ["stark", "background", "none"].contains(prover) else {
            throw CommandFailure("--prover must be stark, background or none")
        }
        guard ["sqlite", "postgres"].contains(store), (0...16).contains(provers), provers == 0 || store == "postgres",
            database == nil || store == "postgres"
        else { throw CommandFailure("--store is sqlite or postgres; --provers (0 to 16) and --database need --store postgres") }
        let postgres = store == "postgres" ? try BenchPostgres.open(url: database, passwordEnvironment: passwordEnv) : nil
        defer { postgres?.stop() }
        let prover = provers > 0 ? "external" : self.prover
        guard (0...4_096).contains(proverSample) else { throw CommandFailure("--prover-sample must be 0 to 4096 transfers") }
        if let batchOperations, !NodeConfig.Batch.maxOperationsRange.contains(batchOperations) {
            throw CommandFailure("--batch-operations must be 4 to 4096")
        }
        let blockSeconds = try? Self.parseDuration(blockInterval)
        let blockMilliseconds = Int(((blockSeconds ?? 0) * 1000).rounded())
        guard (10...60_000).contains(blockMilliseconds) else {
            throw CommandFailure("--block-interval must be between 10ms and 60s, got \(blockInterval)")
        }
        let members = min(senders, smallest - 1)
        let count = transfers ?? Int((Double(rate > 0 ? rate : 20_000) * seconds * 1.02).rounded(.up)) + connections * batch
        let every = sampleEvery ?? max(1, (rate > 0 ? rate : 10_000) / 100)
        let binary = try nodeBinary ?? Self.ownExecutable()
        let console = Console()

        console.status("signing \(count) transfers from \(members) members on \(ProcessInfo.processInfo.activeProcessorCount) cores")
        let chain = BenchChain(members: members)
        let signingStart = DispatchTime.now()
        let raw = chain.transfers(count: count)
        let signingSeconds = Double(DispatchTime.now().uptimeNanoseconds - signingStart.uptimeNanoseconds) / 1e9

        console.status("timing secp256k1 public-key recovery (\(recoverySeconds) s on one core, then on two)")
        let boundBefore = RecoveryBound.measure(seconds: recoverySeconds)

        var runs = [BenchResult]()
        for size in sizes {
            let result = try await Self.runOnce(
                chain: chain, transactions: raw, accounts: size, members: members, binary: binary,
                settings: LoadDriver.Settings(
                    rate: rate > 0 ? Double(rate) : nil, duration: seconds, connections: connections, batch: batch,
                    sampleEvery: every, blockIntervalMilliseconds: blockMilliseconds, apiKey: chain.apiKey, senders: members),
                keep: keep.map { sizes.count > 1 ? "\($0)/accounts-\(size)" : $0 }, prover: prover, batchOperations: batchOperations,
                durableAdmission: durableAdmission, postgres: postgres, provers: provers, console: console)
            runs.append(result)
        }
        // Timed again after the runs: a shared host's speed drifts over minutes, and the
        // fraction should compare against the machine the runs actually had.
        console.status("timing secp256k1 public-key recovery again")
        let bound = boundBefore.merged(with: RecoveryBound.measure(seconds: recoverySeconds))
        // A run too short (or too loaded) for its node to finish a proof still reports what
        // the prover sustains: one batch proved by itself, on the now idle machine.
        let benchPeakMemory = ProcessMemory.read(pid: getpid()).peak  // before the prover's working set
        var proverAlone: BenchReport.ProverSample?
        if !["none", "external"].contains(prover), proverSample > 0, runs.contains(where: { $0.proverCapacityTPS == nil }) {
            console.status("proving a batch of \(proverSample) transfers alone, for the prover's rate")
            do {
                // The shape the runs sent: transfers among the senders in a state of the run's accounts.
                var sample = ProofBench(transferCounts: [proverSample], proofRuns: 1, verifyRuns: 1, air: .v3)
                sample.accounts = sizes.max() ?? accounts
                sample.pattern = .hot
                let measured = try sample.measure(transfers: proverSample, progress: { _ in })
                proverAlone = BenchReport.ProverSample(transfers: proverSample, proveSeconds: measured.proveMedian)
            } catch {
                // The runs' figures stand without it; say why the prover's rate is missing.
                FileHandle.standardError.write(Data("cloister bench: could not time the prover alone: \(error)\n".utf8))
            }
        }
        console.clear()
        let report = BenchReport(
            runs: runs, bound: bound, signingSeconds: signingSeconds, presigned: count,
            cores: ProcessInfo.processInfo.activeProcessorCount, benchPeakMemory: benchPeakMemory, proverAlone: proverAlone)
        print(report.summary())
        if let json {
            do { try report.json().write(to: URL(fileURLWithPath: json)) } catch { throw CommandFailure("cannot write \(json): \(error)") }
        }
        if let svg {
            do { try report.svg().write(toFile: svg, atomically: true, encoding: .utf8) } catch {
                throw CommandFailure("cannot write \(svg): \(error)")
            }
        }
    }

    // MARK: - One run against a fresh node

    static func runOnce(
        chain: BenchChain, transactions: [[UInt8]], accounts: Int, members: Int, binary: String,
        settings: LoadDriver.Settings, keep: String?, prover: String = "background", batchOperations: Int? = nil,
        durableAdmission: Bool = true, postgres: BenchPostgres? = nil, provers: Int = 0, console: Console
    ) async throws -> BenchResult {
        let dir = keep ?? FileManager.default.temporaryDirectory.appendingPathComponent("cloister-bench-\(UUID().uuidString)").path
        guard !FileManager.default.fileExists(atPath: dir + "/cloister.toml") else {
            throw CommandFailure("\(dir) already holds a chain; choose a new folder")
        }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var succeeded = false
        // A failed run keeps its folder (node.log) for a look.
        defer { if keep == nil && succeeded { try? FileManager.default.removeItem(atPath: dir) } }
        do { _ = try KeyFile.create(at: dir + "/operator.key") } catch { throw CommandFailure("operator key: \(error)") }
        let synthetic = max(0, accounts - members - 1)
        let database = try postgres?.createDatabase()
        if provers > 0 {
            do { _ = try ProverKey.create(at: dir + "/prover.key") } catch { throw CommandFailure(error.description) }
        }
        try chain.write(
            dir: dir,
            listen: .init(
                api: "127.0.0.1:0", admin: "127.0.0.1:0", embeddedL1: (listen: "127.0.0.1:0", operatorKeyFile: "operator.key"),
                prover: prover, blockIntervalMilliseconds: settings.blockIntervalMilliseconds, batchOperations: batchOperations,
                durableAdmission: durableAdmission, storage: database.map { postgres?.storageLines(database: $0) ?? [] } ?? []),
            syntheticAccounts: synthetic, relayerReadAll: true)

        console.status("starting a node with \(accounts) accounts (\(synthetic) synthetic) in \(dir)")
        let node = try NodeChild(binary: binary, config: dir + "/cloister.toml", log: dir + "/node.log")
        defer { node.stop() }
        let started = DispatchTime.now()
        let ports = try await node.waitForPorts(timeout: 120 + Double(accounts) / 2_000)
        let startupSeconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        // Started once the node listens: its store has created the queue's tables by then.
        let proverChildren = try ProverChildren(
            count: provers, binary: binary, database: database ?? "", passwordVariable: postgres?.passwordVariable, dir: dir)
        defer { proverChildren.stop() }

        let loop = MultiThreadedEventLoopGroup.singleton.next()
        var senders = [BenchConnection]()
        for _ in 0..<settings.connections {
            senders.append(try await BenchConnection.connect(group: loop, host: "127.0.0.1", port: ports.api).get())
        }
        let poller = try await BenchConnection.connect(group: loop, host: "127.0.0.1", port: ports.api).get()
        let monitor = try await BenchConnection.connect(group: loop, host: "127.0.0.1", port: ports.api).get()
        let l1 = try await BenchConnection.connect(group: loop, host: "127.0.0.1", port: ports.l1).get()
        let admin = try await BenchConnection.connect(group: loop, host: "127.0.0.1", port: ports.admin).get()
        let before = try await scrapeMetrics(admin)

        console.status("sending for \(settings.duration) s")
        var progress: (@Sendable (LoadDriver.Snapshot, Double) -> Void)?
        if console.isTerminal { progress = { snapshot, duration in console.progress(snapshot, duration) } }
        let driver = LoadDriver(
            loop: loop, settings: settings, transactions: transactions, senders: senders, poller: poller, monitor: monitor,
            l1: l1, admin: admin, nodePID: node.pid, progress: progress)
        try await driver.run().get()
        let after = try await scrapeMetrics(admin)
        let memory = ProcessMemory.read(pid: node.pid)
        let (driverState, series): (DriverState, [LoadDriver.Snapshot]) = try await loop.submit {
            (DriverState(driver), driver.snapshots)
        }.get()
        for connection in senders + [poller, monitor, l1, admin] { loop.execute { connection.close() } }
        node.stop()
        succeeded = true
        return BenchResult(
            accounts: accounts, members: members, synthetic: synthetic, settings: settings, startupSeconds: startupSeconds,
            state: driverState, series: series, metricsBefore: before, metricsAfter: after, nodePeakMemory: memory.peak,
            prover: prover, store: postgres == nil ? "sqlite" : "postgres", provers: provers)
    }

    /// What the driver counted, copied off its event loop.
    struct DriverState: Sendable {
        var sent, accepted, refused, transportErrors, httpErrors, unresolvedSamples: Int
        var refusalCodes: [Int: Int]
        var refusalExamples: [Int: String]
        var latencies: [LoadDriver.LatencySample]
        var sendingEnded: Double
        var exhausted: Bool
        var baseline: LoadDriver.Snapshot?

        init(_ driver: LoadDriver) {
            sent = driver.sent
            accepted = driver.accepted
            refused = driver.refused
            transportErrors = driver.transportErrors
            httpErrors = driver.httpErrors
            unresolvedSamples = driver.unresolvedSamples
            refusalCodes = driver.refusalCodes.mapValues(\.count)
            refusalExamples = driver.refusalCodes.mapValues(\.example)
            latencies = driver.latencies
            sendingEnded = driver.sendingEnded
            exhausted = driver.exhausted
            baseline = driver.baselineSnapshot
        }
    }

    /// `/metrics` as name{labels} → value.
    static func scrapeMetrics(_ admin: BenchConnection) async throws -> [String: Double] {
        let response = try await admin.eventLoop.flatSubmit { admin.send(method: .GET, uri: "/metrics") }.get()
        var values = [String: Double]()
        for line in String(buffer: response.body).split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            values[String(line[..<space])] = value
        }
        return values
    }

    // MARK: - Parsing and locating

    static func parseDuration(_ text: String) throws -> Double {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)), value > 0 { return value * scale }
        }
        if let value = Double(text), value > 0 { return value }
        throw CommandFailure("--duration \(text): give a positive duration such as 60s, 2m or 500ms")
    }

    static func parseSizes(_ text: String) throws -> [Int] {
        let sizes = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")) }
        guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) >= 3 && ($0 ?? 0) <= 10_000_000 }) else {
            throw CommandFailure("--growth \(text): give account counts (3 to 10000000) separated by commas, e.g. 10000,100000,1000000")
        }
        return sizes.map { $0! }
    }

    static func ownExecutable() throws -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        let argument = CommandLine.arguments[0]
        if argument.contains("/") { return URL(fileURLWithPath: argument).standardizedFileURL.path }
        throw CommandFailure("cannot locate the cloister binary to start the node; pass --node-binary")
    }
}

/// The node under test, a child process of this one; its log goes to a file.
final class NodeChild: @unchecked Sendable {
    let process = Process()
    let logPath: String
    var pid: Int32 { process.processIdentifier }

    init(binary: String, config: String, log: String) throws {
        logPath = log
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["node", "--config", config, "--log-level", "info"]
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { throw CommandFailure("cannot start the node \(binary): \(error)") }
    }

    /// The log so far. Read through a FileHandle: Foundation's String(contentsOfFile:) leaks a
    /// 4 KB buffer per read of an empty file, and the log is empty until the node starts
    /// (LeakSanitizer under `make sanitize`).
    static func read(_ path: String) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        return String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
    }

    /// The member API, admin API and embedded L1 ports, from the node's "listening" log lines.
    func waitForPorts(timeout: Double) async throws -> (api: Int, admin: Int, l1: Int) {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let log = Self.read(logPath)
            if let api = Self.port(after: "address=http://127.0.0.1:", in: log),
                let admin = Self.port(after: "admin=http://127.0.0.1:", in: log),
                let l1 = Self.port(after: "l1=http://127.0.0.1:", in: log)
            {
                return (api, admin, l1)
            }
            guard process.isRunning else {
                throw CommandFailure("the node stopped before it listened; its log:\n" + log.suffix(2_000))
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CommandFailure("the node did not listen within \(Int(timeout)) s; see \(logPath)")
    }

    private static func port(after marker: String, in log: String) -> Int? {
        guard let range = log.range(of: marker) else { return nil }
        return Int(log[range.upperBound...].prefix { $0.isNumber })
    }

    /// SIGINT, then SIGKILL if it has not stopped after 20 s.
    func stop() {
        guard process.isRunning else { return }
        process.interrupt()
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// secp256k1 public-key recovery per second on one core and on two: the work every transfer
/// needs at admission, so the ceiling of any end-to-end rate on this machine.
struct RecoveryBound: Sendable {
    /// Each timing, in the order taken (one core, then two, alternating).
    var oneCoreSamples: [Double]
    var twoCoreSamples: [Double]
    var seconds: Double

    /// The medians: one slow or fast timing on a shared host does not move the bound.
    var oneCore: Double { Self.median(oneCoreSamples) }
    var twoCores: Double { Self.median(twoCoreSamples) }

    init(oneCore: Double, twoCores: Double, seconds: Double) {
        self.init(oneCoreSamples: [oneCore], twoCoreSamples: [twoCores], seconds: seconds)
    }

    init(oneCoreSamples: [Double], twoCoreSamples: [Double], seconds: Double) {
        self.oneCoreSamples = oneCoreSamples
        self.twoCoreSamples = twoCoreSamples
        self.seconds = seconds
    }

    func merged(with other: RecoveryBound) -> RecoveryBound {
        RecoveryBound(
            oneCoreSamples: oneCoreSamples + other.oneCoreSamples, twoCoreSamples: twoCoreSamples + other.twoCoreSamples,
            seconds: seconds + other.seconds)
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    static func measure(seconds: Double) -> RecoveryBound {
        let key = PrivateKey.generate()
        let signed: [(Hash32, RecoverableSignature)] = (0..<256).map { index in
            let hash = Keccak256.hash(withUnsafeBytes(of: UInt64(index)) { Array($0) })
            return (hash, key.sign(messageHash: hash))
        }
        func rate(threads: Int, seconds: Double) -> Double {
            let counts = Counts(threads)
            let start = DispatchTime.now().uptimeNanoseconds
            let deadline = start + UInt64(seconds * 1e9)
            DispatchQueue.concurrentPerform(iterations: threads) { thread in
                var done = 0
                var index = thread * 17
                while true {
                    for _ in 0..<64 {
                        let (hash, signature) = signed[index & 255]
                        _ = try? Secp256k1.recoverPublicKey(messageHash: hash, signature: signature)
                        index += 1
                    }
                    done += 64
                    if DispatchTime.now().uptimeNanoseconds >= deadline { break }
                }
                counts.set(thread, done)
            }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            return Double(counts.total) / elapsed
        }
        // Three alternating timings of a third of `seconds` each, one core then two.
        var one = [Double]()
        var two = [Double]()
        let trial = seconds / 3
        for _ in 0..<3 {
            one.append(rate(threads: 1, seconds: trial))
            two.append(rate(threads: 2, seconds: trial))
        }
        return RecoveryBound(oneCoreSamples: one, twoCoreSamples: two, seconds: seconds)
    }

    final class Counts: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Int]
        init(_ count: Int) { values = Array(repeating: 0, count: count) }
        func set(_ index: Int, _ value: Int) {
            lock.lock()
            values[index] = value
            lock.unlock()
        }
        var total: Int {
            lock.lock()
            defer { lock.unlock() }
            return values.reduce(0, +)
        }
    }
}

/// Status lines and the progress bar, on stderr, only when stderr is a terminal.
final class Console: @unchecked Sendable {
    let isTerminal = isatty(2) == 1
    private let lock = NSLock()

    func status(_ text: String) {
        guard isTerminal else { return }
        write("\r\u{1B}[2K" + text + "\n")
    }

    func progress(_ snapshot: LoadDriver.Snapshot, _ duration: Double) {
        let fraction = min(1, snapshot.time / duration)
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let rate = snapshot.time > 0 ? Double(snapshot.included) / snapshot.time : 0
        let phase = snapshot.time > duration ? "draining" : "sending"
        write(
            "\r\u{1B}[2K[\(bar)] \(Int(snapshot.time)) / \(Int(duration)) s \(phase)  sent \(snapshot.sent)  "
                + "accepted \(snapshot.accepted)  pending \(snapshot.pending)  batch \(snapshot.latestBatch)  ~\(Int(rate))/s")
    }

    func clear() {
        guard isTerminal else { return }
        write("\r\u{1B}[2K")
    }

    private func write(_ text: String) {
        lock.lock()
        FileHandle.standardError.write(Data(text.utf8))
        lock.unlock()
    }
}
