// Policy decisions under the devnet policy. Run with
//   CLOISTER_BENCHMARKS=1 swift package --scratch-path .build-bench --disable-sandbox benchmark --target PolicyBenchmarks
// Target: an allowed transfer decides in ≤ 2 µs and allocates nothing (mallocCountTotal 0).
import Benchmark
import ConfigFiles
import Foundation
import Ledger
import Policy
import Primitives

/// The repository root, from this file's location.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The devnet's tokens and genesis ledger from Config/cloister.toml (the benchmark does not link the node).
func devnet() throws -> (tokens: [TokenDefinition], ledger: LedgerState, accounts: [String: Address]) {
    let path = repositoryRoot.appendingPathComponent("Config/cloister.toml").path
    let root = TableReader(try ConfigDocument.load(path: path), file: path)
    let tokens = try root.tables("tokens").map { table throws(ConfigError) in
        TokenDefinition(
            address: try table.address("address"), symbol: try table.string("symbol"), name: try table.string("name"),
            decimals: UInt8(try table.integer("decimals")), supplyCap: try table.optionalAmount("supply_cap"))
    }
    var accounts: [String: Address] = [:]
    var native: [Address: UInt256] = [:]
    var balances: [Address: [Address: UInt256]] = [:]
    for table in try root.tables("accounts") {
        let address = try table.address("address")
        accounts[try table.string("name")] = address
        native[address] = try table.optionalAmount("native") ?? .zero
        if let held = try table.optionalTable("tokens") {
            for symbol in held.freeformKeys() {
                balances[tokens.first { $0.symbol == symbol }!.address, default: [:]][address] = try held.amount(symbol)
            }
        }
    }
    return (tokens, try LedgerState.genesis(tokens: tokens, nativeBalances: native, tokenBalances: balances), accounts)
}

/// Windows the benchmark mutates across runs (runs are sequential).
final class SequencerWindows: @unchecked Sendable {
    var windows: TransferWindows
    var clock: UInt64

    init(windows: TransferWindows, clock: UInt64) {
        self.windows = windows
        self.clock = clock
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(2))

    let (tokens, ledger, accounts) = try! devnet()
    let policiesPath = repositoryRoot.appendingPathComponent("Policies").path
    let policy = try! PolicyLoader.load(directory: policiesPath, tokens: tokens)
    let engine = PolicyEngine(policy: policy)
    let eurd = tokens.first { $0.symbol == "EURD" }!.address
    let alice = accounts["alice"]!
    let carol = accounts["carol"]!
    let now: UInt64 = 1_767_225_600

    // A busy sender: a transfer every 10 minutes over the last week (1,008 transfers).
    var windows = TransferWindows()
    for step in 0..<1_008 {
        windows.record(
            sender: alice, asset: eurd, amount: 1_000_000, at: now - 604_800 + UInt64(step) * 600, policy: policy)
    }
    let busyWindows = windows
    let transfer = Operation.transfer(token: eurd, to: carol, amount: 100_000_000)  // 100 EURD

    Benchmark("decision: devnet EURD transfer alice→carol, allowed (busy sender, 3 windows)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(engine.evaluate(transfer, sender: alice, timestamp: now, ledger: ledger, windows: busyWindows))
        }
    }

    let fresh = TransferWindows()
    Benchmark("decision: devnet EURD transfer alice→carol, allowed (no usage yet)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(engine.evaluate(transfer, sender: alice, timestamp: now, ledger: ledger, windows: fresh))
        }
    }

    let tooLarge = Operation.transfer(token: eurd, to: carol, amount: 20_000_000_000_000)  // 20,000,000 EURD
    Benchmark("decision: devnet EURD transfer refused (transfer_amount), message built") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(engine.evaluate(tooLarge, sender: alice, timestamp: now, ledger: ledger, windows: fresh))
        }
    }

    // The sequencer's state lives on between runs, as in the node: no copy-on-write per run.
    let sequencer = SequencerWindows(windows: busyWindows, clock: now)
    Benchmark("TransferWindows.record after a transfer (busy sender, steady state)") { benchmark in
        for _ in benchmark.scaledIterations {
            sequencer.clock += 1
            sequencer.windows.record(sender: alice, asset: eurd, amount: 1_000_000, at: sequencer.clock, policy: policy)
        }
    }

    Benchmark(
        "load + validate + compile devnet Policies/",
        configuration: .init(metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(2))
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try PolicyLoader.load(directory: policiesPath, tokens: tokens))
        }
    }
}
