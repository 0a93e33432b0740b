import BatchProof
import ArgumentParser
import ConfigFiles
import Foundation
import Logging
import Primitives
import ServiceLifecycle
import Settlement
import L1Mock

/// `cloister l1`: runs the L1 settlement mock, or reads and deposits on a running one.
struct L1Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "l1",
        abstract: "The L1 settlement mock: run it, read its batches and events, queue deposits.",
        discussion: "Without a subcommand, runs the mock (`cloister l1 run`). See docs/SETTLEMENT.md.",
        subcommands: [Run.self, Status.self, Batches.self, Events.self, Deposit.self],
        defaultSubcommand: Run.self)

    static let defaultURL = "http://127.0.0.1:8547"

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the L1 settlement mock's HTTP service until SIGINT/SIGTERM.",
            discussion: "Holds only public data, in l1.sqlite under its data directory; a restart loses nothing.")

        @Option(help: "L1 configuration file.")
        var config: String = L1Config.defaultPath

        @Option(help: "Data directory (overrides l1.data_dir of the config).")
        var dataDir: String?

        @Option(help: "HOST:PORT to listen on (overrides l1.listen of the config).")
        var listen: String?

        @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
        var logLevel: String = "info"

        func run() async throws {
            let logger = try ServiceLogging.bootstrap(label: "cloister.l1", level: logLevel)
            var l1Config: L1Config
            do {
                l1Config = try L1Config.load(path: config)
                if let dataDir { l1Config.dataDirectory = dataDir }
                if let listen { (l1Config.listenHost, l1Config.listenPort) = try L1Config.parseListenAddress(listen) }
            } catch {
                throw CommandFailure(error.description)
            }
            let engine: L1SettlementMock
            do {
                engine = try L1SettlementMock.open(
                    dataDirectory: l1Config.dataDirectory, operator: l1Config.operatorAddress,
                    verifier: StarkBatchVerifier(), options: l1Config.engineOptions)
            } catch {
                throw CommandFailure(error.description)
            }
            let host = l1Config.listenHost
            let operatorAddress = l1Config.operatorAddress
            let service = L1Service(engine: engine, host: host, port: l1Config.listenPort, logger: logger) { port in
                logger.info(
                    "L1 settlement mock listening",
                    metadata: [
                        "address": "http://\(host):\(port)", "operator": "\(operatorAddress)",
                        "database": "\(engine.path)", "verifier": "\(engine.verifier.name)",
                    ])
            }
            let group = ServiceGroup(
                configuration: .init(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            do {
                try await group.run()
            } catch {
                throw CommandFailure("the L1 service stopped: \(error)")
            }
            logger.info("L1 settlement mock stopped")
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the L1's status as JSON.")

        @Option(name: .customLong("l1"), help: "URL of the L1 mock.")
        var url: String = L1Command.defaultURL

        func run() async throws {
            let l1 = try client(url)
            let status = try await call { () async throws(SettlementError) in try await l1.status() }
            print(try json(status))
        }
    }

    struct Batches: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print one JSON object per batch per line: number, status and every public field.")

        @Option(name: .customLong("l1"), help: "URL of the L1 mock.")
        var url: String = L1Command.defaultURL

        @Option(help: "First batch number.")
        var from: UInt64 = 1

        func run() async throws {
            let l1 = try client(url)
            var next = from
            while true {
                let page = try await call { () async throws(SettlementError) in
                    try await l1.batches(from: next, limit: 500)
                }
                for record in page { print(try batchLine(record)) }
                guard let last = page.last, page.count == 500 else { break }
                // Reverted and replacing batches share a number: continue after the last number seen.
                next = last.batchNumber + 1
            }
        }

        /// The commitment's fields flattened beside the batch's status and times.
        func batchLine(_ record: L1BatchRecord) throws -> String {
            var object = try jsonObject(record.commitment)
            object["number"] = record.batchNumber
            object["status"] = record.status.rawValue
            object["committedAt"] = record.committedAt
            object["provenAt"] = record.provenAt
            object["executedAt"] = record.executedAt
            object["revertedAt"] = record.revertedAt
            object["proofAttempts"] = record.proofAttempts.count
            let data = try JSONSerialization.data(
                withJSONObject: object.compactMapValues { $0 }, options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }
    }

    struct Events: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the L1's events in order, one JSON object per line.")

        @Option(name: .customLong("l1"), help: "URL of the L1 mock.")
        var url: String = L1Command.defaultURL

        @Option(help: "Print events after this sequence number.")
        var after: UInt64 = 0

        func run() async throws {
            let l1 = try client(url)
            var cursor = after
            while true {
                let page = try await call { () async throws(SettlementError) in
                    try await l1.events(after: cursor, limit: 500)
                }
                for event in page { print(try json(event)) }
                guard let last = page.last else { break }
                cursor = last.sequence
            }
        }
    }

    struct Deposit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue a deposit on the L1 for an L2 member; prints the queued record.")

        @Option(name: .customLong("l1"), help: "URL of the L1 mock.")
        var url: String = L1Command.defaultURL

        @Option(help: "L2 recipient address.")
        var to: String

        @Option(help: "Asset: an L2 token address, or 'native'.")
        var asset: String

        @Option(help: "Amount in the asset's smallest unit (a whole decimal number).")
        var amount: String

        @Option(
            name: .customLong("from"),
            help:
                "L1 sender address: who deposits, and where a refused deposit is refunded (default: the --to address).")
        var sender: String?

        func run() async throws {
            let recipient = try address(to, option: "--to")
            let assetAddress = asset.lowercased() == "native" ? Address.zero : try address(asset, option: "--asset")
            let senderAddress = try sender.map { try address($0, option: "--from") } ?? recipient
            let value: UInt256
            do { value = try UInt256(decimal: amount.replacingOccurrences(of: "_", with: "")) } catch {
                throw CommandFailure("--amount '\(amount)' is not a whole decimal number: \(error)")
            }
            let l1 = try client(url)
            let record = try await call { () async throws(SettlementError) in
                try await l1.deposit(recipient: recipient, asset: assetAddress, amount: value, sender: senderAddress)
            }
            print(try json(record))
        }
    }
}

// MARK: - Helpers

private func client(_ url: String) throws -> HTTPL1Client {
    guard let base = URL(string: url), base.scheme == "http" || base.scheme == "https" else {
        throw CommandFailure("--l1 '\(url)' must be an http(s) URL, e.g. \(L1Command.defaultURL)")
    }
    return HTTPL1Client(baseURL: base, operatorKey: nil)
}

private func address(_ text: String, option: String) throws -> Address {
    do { return try Address(hex: text) } catch {
        throw CommandFailure("\(option) '\(text)' is not an address: \(error)")
    }
}

/// Runs an L1 call, turning its refusal into the CLI's failure message.
private func call<T>(_ body: () async throws(SettlementError) -> T) async throws -> T {
    do { return try await body() } catch { throw CommandFailure(error.message) }
}

private func json(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

private func jsonObject(_ value: some Encodable) throws -> [String: Any?] {
    let data = try JSONEncoder().encode(value)
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
    return object
}
