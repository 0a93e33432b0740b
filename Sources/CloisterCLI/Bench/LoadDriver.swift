import Foundation
import NIOCore
import NIOHTTP1
import Primitives

/// Drives pre-signed transfers into a node over keep-alive HTTP/1.1 connections, samples
/// send → receipt latency, and follows the node's progress. Everything runs on one event loop
/// (one thread): the class is confined to `loop`, hence `@unchecked Sendable`.
///
/// Senders are split across connections (sender `s` on connection `s % connections`), and a
/// connection has one request in flight at a time, so every sender's nonces arrive in order.
final class LoadDriver: @unchecked Sendable {
    struct Settings {
        /// Transfers per second in total; nil sends flat out.
        var rate: Double?
        var duration: Double
        var connections: Int
        /// Transfers per HTTP request (a JSON-RPC batch when > 1).
        var batch: Int
        /// Every `sampleEvery`-th transfer has its receipt latency measured.
        var sampleEvery: Int
        var receiptPollInterval: TimeAmount = .milliseconds(5)
        /// The benchmark chain's block interval (`block_interval_ms`), a setting of the node.
        var blockIntervalMilliseconds = 100
        var apiKey: String
        var senders: Int
        /// Give up waiting for the node to execute what it accepted after this long.
        var drainLimit: Double = 60
    }

    /// One look at the node and the load, every `monitorInterval`.
    struct Snapshot {
        var time: Double
        var sent: Int
        var accepted: Int
        var refused: Int
        var included: Int
        var pending: Int
        var latestBatch: Int
        var l1Committed: Int
        var l1Proven: Int
        var l1Executed: Int
        var nodeRSS: Int
        /// Transactions in batches whose proof the L1 accepted (the node's
        /// `cloister_transactions_proven_total`, from its admin listener).
        var provenTransactions = 0
    }

    struct LatencySample {
        /// Seconds since the start when the transfer was due to be sent.
        var sentAt: Double
        var milliseconds: Double
        var succeeded: Bool
    }

    struct Sample {
        var hash: Hash32
        var due: UInt64
    }

    let loop: EventLoop
    let settings: Settings
    let transactions: [[UInt8]]
    private let senders: [BenchConnection]
    private let poller: BenchConnection
    private let monitor: BenchConnection
    private let l1: BenchConnection?
    private let admin: BenchConnection?
    private let nodePID: Int32
    private let progress: (@Sendable (Snapshot, Double) -> Void)?

    private var queues: [[Int]]
    private var positions: [Int]
    private var requestCounts: [Int]
    private var start: UInt64 = 0
    private var stopAt: UInt64 = 0
    private(set) var sendingEnded: Double = 0
    private var activeConnections = 0
    private var stopped = false
    private var drainStarted: UInt64 = 0

    private(set) var sent = 0
    private(set) var accepted = 0
    private(set) var refused = 0
    private(set) var transportErrors = 0
    private(set) var httpErrors = 0
    /// JSON-RPC error code → (count, one message).
    private(set) var refusalCodes: [Int: (count: Int, example: String)] = [:]
    private var waiting: [Sample] = []
    private(set) var latencies: [LatencySample] = []
    private(set) var unresolvedSamples = 0
    private(set) var snapshots: [Snapshot] = []
    private var baseline: Snapshot?
    private var last = Snapshot(
        time: 0, sent: 0, accepted: 0, refused: 0, included: 0, pending: 0, latestBatch: 0, l1Committed: 0, l1Proven: 0,
        l1Executed: 0, nodeRSS: 0)
    private var lastProgressAt: UInt64 = 0
    private var lastIncluded = -1
    private var finished: EventLoopPromise<Void>
    private var monitorTask: RepeatedTask?
    private var lastProgressPrint: UInt64 = 0
    private(set) var exhausted = false

    init(
        loop: EventLoop, settings: Settings, transactions: [[UInt8]], senders: [BenchConnection], poller: BenchConnection,
        monitor: BenchConnection, l1: BenchConnection?, admin: BenchConnection?, nodePID: Int32,
        progress: (@Sendable (Snapshot, Double) -> Void)?
    ) {
        self.loop = loop
        self.settings = settings
        self.transactions = transactions
        self.senders = senders
        self.poller = poller
        self.monitor = monitor
        self.l1 = l1
        self.admin = admin
        self.nodePID = nodePID
        self.progress = progress
        var queues = Array(repeating: [Int](), count: senders.count)
        for index in transactions.indices { queues[(index % settings.senders) % senders.count].append(index) }
        self.queues = queues
        positions = Array(repeating: 0, count: senders.count)
        requestCounts = Array(repeating: 0, count: senders.count)
        finished = loop.makePromise()
    }

    /// Runs the load and the drain; completes when the node has executed what it accepted
    /// (or the drain limit passed).
    func run() -> EventLoopFuture<Void> {
        loop.execute { self.begin() }
        return finished.futureResult
    }

    private static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
    private func seconds(_ nanos: UInt64) -> Double { Double(Int64(nanos) - Int64(start)) / 1e9 }

    private func begin() {
        // Baseline of the node's counters, then go.
        takeSnapshot().whenComplete { _ in
            self.baseline = self.last
            self.start = Self.now()
            self.stopAt = self.start + UInt64(self.settings.duration * 1e9)
            self.lastProgressAt = self.start
            self.activeConnections = self.senders.count
            for connection in self.senders.indices { self.pump(connection) }
            self.poll()
            self.monitorTask = self.loop.scheduleRepeatedTask(initialDelay: .milliseconds(200), delay: .milliseconds(200)) { _ in
                self.tick()
            }
        }
    }

    // MARK: - Sending

    private func pump(_ connection: Int) {
        let now = Self.now()
        let queue = queues[connection]
        if stopped || now >= stopAt || positions[connection] >= queue.count {
            // Out of pre-signed transfers well before the end (more than 1 % of the duration early).
            if !stopped, now < stopAt, Double(stopAt - now) > settings.duration * 1e7 { exhausted = true }
            connectionDone()
            return
        }
        var due = now
        if let rate = settings.rate {
            // Each connection carries its share of the transfers at its share of the rate.
            let share = Double(queue.count) / Double(max(1, transactions.count))
            let interval = Double(settings.batch) / (rate * share)
            let offset = Double(connection) / Double(senders.count) * interval
            due = start + UInt64((Double(requestCounts[connection]) * interval + offset) * 1e9)
            // Next due after the end (slow rates, big batches): done now, not after a wait past the end.
            if due >= stopAt {
                connectionDone()
                return
            }
            if due > now {
                loop.scheduleTask(in: .nanoseconds(Int64(due - now))) { self.pump(connection) }
                return
            }
        }
        requestCounts[connection] += 1
        let first = positions[connection]
        let end = min(queue.count, first + settings.batch)
        positions[connection] = end
        let indices = Array(queue[first..<end])
        var body = ByteBuffer()
        body.reserveCapacity(indices.count * 300)
        if settings.batch > 1 { body.writeStaticString("[") }
        var sampled = [(index: Int, sample: Sample)]()
        for (position, index) in indices.enumerated() {
            if position > 0 { body.writeStaticString(",") }
            body.writeStaticString("{\"jsonrpc\":\"2.0\",\"id\":")
            body.writeString(String(index))
            body.writeStaticString(",\"method\":\"eth_sendRawTransaction\",\"params\":[\"0x")
            Self.writeHex(transactions[index], into: &body)
            body.writeStaticString("\"]}")
            if index % settings.sampleEvery == 0 {
                sampled.append((index, Sample(hash: Keccak256.hash(transactions[index]), due: due)))
            }
        }
        if settings.batch > 1 { body.writeStaticString("]") }
        sent += indices.count
        senders[connection].send(
            method: .POST, uri: "/", headers: [("Authorization", "Bearer " + settings.apiKey)], body: body
        ).whenComplete { result in
            switch result {
            case .success(let response):
                self.handleSendResponse(response, count: indices.count, sampled: sampled)
                self.pump(connection)
            case .failure:
                self.transportErrors += indices.count
                self.connectionDone()
            }
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func writeHex(_ bytes: [UInt8], into buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: bytes.count * 2) { out in
            var offset = 0
            for byte in bytes {
                out[offset] = hexDigits[Int(byte >> 4)]
                out[offset + 1] = hexDigits[Int(byte & 0x0f)]
                offset += 2
            }
            return offset
        }
    }

    private func handleSendResponse(_ response: BenchConnection.Response, count: Int, sampled: [(index: Int, sample: Sample)]) {
        guard response.status == 200 else {
            httpErrors += count
            return
        }
        let view = response.body.readableBytesView
        let errors = Self.occurrences(of: Self.errorKey, in: view)
        if errors == 0 {
            accepted += count
            waiting.append(contentsOf: sampled.map(\.sample))
            return
        }
        // Some refused: read the whole answer for codes and ids.
        let object = try? JSONSerialization.jsonObject(with: Data(view))
        let items: [[String: Any]] = (object as? [[String: Any]]) ?? ((object as? [String: Any]).map { [$0] } ?? [])
        var refusedIDs = Set<Int>()
        for item in items {
            guard let error = item["error"] as? [String: Any] else { continue }
            let code = (error["code"] as? Int) ?? 0
            let message = (error["message"] as? String) ?? ""
            refusalCodes[code, default: (0, message)].count += 1
            if let id = item["id"] as? Int { refusedIDs.insert(id) }
        }
        let refusedCount = max(errors, refusedIDs.count)
        refused += refusedCount
        accepted += count - refusedCount
        waiting.append(contentsOf: sampled.filter { !refusedIDs.contains($0.index) }.map(\.sample))
    }

    private static let errorKey = Array("\"error\"".utf8)

    private static func occurrences(of needle: [UInt8], in haystack: ByteBufferView) -> Int {
        var count = 0
        var index = haystack.startIndex
        let end = haystack.endIndex - needle.count
        while index <= end {
            if haystack[index] == needle[0] {
                var match = true
                for offset in 1..<needle.count where haystack[index + offset] != needle[offset] {
                    match = false
                    break
                }
                if match { count += 1 }
            }
            index += 1
        }
        return count
    }

    private func connectionDone() {
        activeConnections -= 1
        if activeConnections == 0 {
            stopped = true
            sendingEnded = seconds(Self.now())
            drainStarted = Self.now()
        }
    }

    // MARK: - Receipts

    /// The newest block the followed transfers were looked up after.
    private var polledHead: UInt64?

    /// Asks for the head every `receiptPollInterval`; when it has advanced, looks up every
    /// followed transfer's receipt in one batch. A block's receipts are stored with it, so no
    /// receipt can appear without the head moving, and the node serves a few hundred look-ups
    /// a second instead of one per followed transfer per interval.
    private func poll() {
        if waiting.isEmpty {
            if activeConnections == 0 && drainDone { return }
            loop.scheduleTask(in: settings.receiptPollInterval) { self.poll() }
            return
        }
        poller.send(
            method: .POST, uri: "/", headers: [("Authorization", "Bearer " + settings.apiKey)],
            body: ByteBuffer(string: #"{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}"#)
        ).whenComplete { result in
            guard case .success(let response) = result, response.status == 200,
                let reply = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any],
                let text = reply["result"] as? String, let head = UInt64(text.dropFirst(2), radix: 16)
            else {
                self.loop.scheduleTask(in: self.settings.receiptPollInterval) { self.poll() }
                return
            }
            if let polled = self.polledHead, head <= polled {
                self.loop.scheduleTask(in: self.settings.receiptPollInterval) { self.poll() }
                return
            }
            self.lookUpReceipts(head: head)
        }
    }

    /// One batch of `eth_getTransactionReceipt` for the followed transfers still waiting.
    private func lookUpReceipts(head: UInt64) {
        let batch = Array(waiting.prefix(500))
        // Transfers followed later were sent after `head` was read, so none of them can be in it.
        let coversEveryWaiting = batch.count == waiting.count
        var body = "["
        for (position, sample) in batch.enumerated() {
            if position > 0 { body += "," }
            body += "{\"jsonrpc\":\"2.0\",\"id\":\(position),\"method\":\"eth_getTransactionReceipt\",\"params\":[\"\(sample.hash.hex)\"]}"
        }
        body += "]"
        poller.send(
            method: .POST, uri: "/", headers: [("Authorization", "Bearer " + settings.apiKey)], body: ByteBuffer(string: body)
        ).whenComplete { result in
            let arrived = Self.now()
            if case .success(let response) = result, response.status == 200,
                let items = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [[String: Any]]
            {
                // Only a complete answer moves the mark: otherwise the next poll asks again.
                if coversEveryWaiting { self.polledHead = head }
                var found = Set<Int>()
                for item in items {
                    guard let id = item["id"] as? Int, id < batch.count, let receipt = item["result"] as? [String: Any] else { continue }
                    found.insert(id)
                    let sample = batch[id]
                    self.latencies.append(
                        LatencySample(
                            sentAt: self.seconds(sample.due), milliseconds: Double(arrived - sample.due) / 1e6,
                            succeeded: (receipt["status"] as? String) == "0x1"))
                }
                if !found.isEmpty {
                    let foundHashes = Set(found.map { batch[$0].hash })
                    self.waiting.removeAll { foundHashes.contains($0.hash) }
                }
            }
            self.loop.scheduleTask(in: self.settings.receiptPollInterval) { self.poll() }
        }
    }

    // MARK: - Monitoring

    private var drainDone = false

    private func tick() {
        guard !drainDone else { return }
        takeSnapshot().whenComplete { _ in
            guard !self.drainDone else { return }
            let now = Self.now()
            var snapshot = self.last
            snapshot.time = self.seconds(now)
            self.snapshots.append(snapshot)
            if snapshot.included != self.lastIncluded {
                self.lastIncluded = snapshot.included
                self.lastProgressAt = now
            }
            if now - self.lastProgressPrint >= 1_000_000_000 || self.activeConnections == 0 {
                self.lastProgressPrint = now
                self.progress?(snapshot, self.settings.duration)
            }
            guard self.activeConnections == 0, let baseline = self.baseline else { return }
            let executedAll = snapshot.included - baseline.included >= self.accepted
            let idle = Double(now - self.lastProgressAt) / 1e9 > 10
            let limit = Double(now - self.drainStarted) / 1e9 > self.settings.drainLimit
            if (executedAll && self.waiting.isEmpty) || limit || (idle && snapshot.pending == 0) {
                self.drainDone = true
                self.unresolvedSamples = self.waiting.count
                self.monitorTask?.cancel()
                self.finished.succeed()
            }
        }
    }

    /// Reads `/health` (and the L1 mock's `/status` when there is one) into `last`.
    private func takeSnapshot() -> EventLoopFuture<Void> {
        let health = monitor.send(method: .GET, uri: "/health").map { response in
            if let object = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any] {
                self.last.included = (object["includedSinceStart"] as? Int) ?? self.last.included
                self.last.pending = (object["pendingTransactions"] as? Int) ?? self.last.pending
                self.last.latestBatch = (object["latestBatch"] as? Int) ?? self.last.latestBatch
            }
        }.recover { _ in }
        let settlement: EventLoopFuture<Void> =
            l1.map { connection in
                connection.send(method: .GET, uri: "/status").map { response in
                    if let object = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any] {
                        self.last.l1Committed = (object["lastCommitted"] as? Int) ?? self.last.l1Committed
                        self.last.l1Proven = (object["lastProven"] as? Int) ?? self.last.l1Proven
                        self.last.l1Executed = (object["lastExecuted"] as? Int) ?? self.last.l1Executed
                    }
                }.recover { _ in }
            } ?? loop.makeSucceededVoidFuture()
        let proven: EventLoopFuture<Void> =
            admin.map { connection in
                connection.send(method: .GET, uri: "/metrics").map { response in
                    let name = "cloister_transactions_proven_total "
                    let text = String(buffer: response.body)
                    if let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name) }),
                        let value = Double(line.dropFirst(name.count))
                    {
                        self.last.provenTransactions = Int(value)
                    }
                }.recover { _ in }
            } ?? loop.makeSucceededVoidFuture()
        last.sent = sent
        last.accepted = accepted
        last.refused = refused
        last.nodeRSS = ProcessMemory.read(pid: nodePID).rss
        return health.and(settlement).and(proven).map { _ in
            self.last.sent = self.sent
            self.last.accepted = self.accepted
            self.last.refused = self.refused
        }
    }

    var baselineSnapshot: Snapshot? { baseline }
}

/// Resident and peak resident memory of a process, from /proc/<pid>/status (Linux).
enum ProcessMemory {
    static func read(pid: Int32) -> (rss: Int, peak: Int) {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return (0, 0) }
        func field(_ name: String) -> Int {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return 0 }
            // "VmHWM:\t 5412345 kB", but "VmHWM:\t10412345 kB" from 10 GB on: split on tabs too.
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            return (Int(words.dropFirst().first ?? "") ?? 0) * 1024
        }
        return (field("VmRSS"), field("VmHWM"))
    }
}
