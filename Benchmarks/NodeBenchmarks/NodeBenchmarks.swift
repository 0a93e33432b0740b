// Sequencer throughput: execute and persist pre-validated transfers (signatures recovered
// during setup, outside the measurement), and the account-tree update per batch.
//   make bench BENCHMARK_TARGET=NodeBenchmarks
import Benchmark
import ConfigFiles
import Foundation
import Ledger
import Logging
import Node
import Primitives
import SQLiteStore
import Store
import Transactions
import NodeConfiguration
import Sequencer

/// A chain with `senders` funded accounts in a fresh directory.
struct BenchChain {
    let chain: Chain
    let keys: [PrivateKey]
    let token = try! Address(hex: "0xe0d0000000000000000000000000000000000001")

    let config: NodeConfig
    let masterKeyPath: String

    init(senders: Int) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cloister-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        _ = try MasterKey.create(at: directory + "/master.key")
        keys = (0..<senders).map { _ in PrivateKey.generate() }
        var toml = """
            [chain]
            chain_id = 7
            block_interval_ms = 100
            max_block_transactions = 100000
            block_gas_limit = 100000000000
            [batch]
            max_blocks = 1
            max_interval_ms = 86400000
            [storage]
            data_dir = "data"
            master_key_file = "master.key"
            [api]
            listen = "127.0.0.1:0"
            [[tokens]]
            address = "\(token.hex)"
            symbol = "EURD"
            name = "Digital Euro Deposit"
            decimals = 6
            issuers = []
            agents = []

            """
        for (index, key) in keys.enumerated() {
            toml += """
                [[accounts]]
                name = "m\(index)"
                organisation = "bench"
                address = "\(key.address.hex)"
                native = "1000000000000000000"
                tokens = { EURD = "1000000000000" }

                """
        }
        try toml.write(toFile: directory + "/c.toml", atomically: true, encoding: .utf8)
        config = try NodeConfig.load(path: directory + "/c.toml")
        masterKeyPath = directory + "/master.key"
        let store = try SQLiteChainStore(
            directory: config.dataDirectory, masterKey: try MasterKey.load(from: directory + "/master.key"),
            masterKeyPath: directory + "/master.key")
        chain = try await Chain.open(config: config, store: store, logger: Logger(label: "bench"), metrics: NodeMetrics())
    }

    /// `count` token transfers, round-robin over the senders, admitted (decoded, validated,
    /// signer recovered) but not yet queued.
    func admittedTransfers(_ count: Int, firstNonce: UInt64) throws -> [AdmittedTransaction] {
        try (0..<count).map { index in
            let key = keys[index % keys.count]
            let recipient = keys[(index * 7 + 1) % keys.count].address
            let data = [0xa9, 0x05, 0x9c, 0xbb] + [UInt8](repeating: 0, count: 12) + recipient.bytes + UInt256(1).bigEndianBytes
            let raw = TransactionCodec.sign(
                .dynamicFee(
                    chainID: 7, nonce: firstNonce + UInt64(index / keys.count), maxPriorityFeePerGas: 0, maxFeePerGas: 0,
                    gasLimit: 100_000, to: token, value: 0, data: data),
                with: key
            ).rawBytes
            return try chain.admit(raw: raw)
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .peakMemoryResident], maxDuration: .seconds(30), maxIterations: 5)

    let blockSize = 10_000
    Benchmark(
        "sequencer: execute + persist a block of 10,000 transfers",
        configuration: .init(metrics: [.wallClock, .throughput], scalingFactor: .one, maxDuration: .seconds(60), maxIterations: 5)
    ) { benchmark in
        let bench = try await BenchChain(senders: 1_000)
        var nonce: UInt64 = 0
        for _ in benchmark.scaledIterations {
            benchmark.stopMeasurement()
            let transfers = try bench.admittedTransfers(blockSize, firstNonce: nonce)
            nonce += UInt64(blockSize / 1_000)
            benchmark.startMeasurement()
            for transfer in transfers { try await bench.chain.enqueue(transfer) }
            let block = try await bench.chain.produceBlock()
            precondition(block?.transactionHashes.count == blockSize)
        }
    }

    // Restart: decrypt every stored ledger entry, rebuild the in-memory ledger, recompute every
    // account-tree leaf and rebuild the tree (the tree is not persisted; this measures that choice).
    Benchmark(
        "restart: restore a chain of 100,000 ledger entries",
        configuration: .init(metrics: [.wallClock, .peakMemoryResident], scalingFactor: .one, maxDuration: .seconds(120), maxIterations: 2)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            benchmark.stopMeasurement()
            let bench = try await BenchChain(senders: 50_000)  // an account and a holding each
            benchmark.startMeasurement()
            let store = try SQLiteChainStore(
                directory: bench.config.dataDirectory, masterKey: try MasterKey.load(from: bench.masterKeyPath),
                masterKeyPath: bench.masterKeyPath)
            blackHole(try await Chain.open(config: bench.config, store: store, logger: Logger(label: "bench"), metrics: NodeMetrics()))
        }
    }

    // The account tree following one block of 10,000 transfers among 1,000 members (about
    // 3,000 changed entries: the senders' accounts and both holdings of each pair), measured
    // from the block's commit until the tree has absorbed it. Every block closes a batch here
    // (max_blocks = 1), so this is the per-batch root computation for a 10,000-transfer batch.
    Benchmark(
        "state commitment: account tree absorbs a block of 10,000 transfers",
        configuration: .init(metrics: [.wallClock, .throughput], scalingFactor: .one, maxDuration: .seconds(60), maxIterations: 5)
    ) { benchmark in
        let bench = try await BenchChain(senders: 1_000)
        let commitment = Task { try await bench.chain.runStateCommitment() }
        var nonce: UInt64 = 0
        for _ in benchmark.scaledIterations {
            benchmark.stopMeasurement()
            let transfers = try bench.admittedTransfers(blockSize, firstNonce: nonce)
            nonce += UInt64(blockSize / 1_000)
            for transfer in transfers { try await bench.chain.enqueue(transfer) }
            let block = try await bench.chain.produceBlock()!
            benchmark.startMeasurement()
            while await bench.chain.stateCommitmentFollowed() < block.header.number {
                try? await Task.sleep(for: .milliseconds(1))
            }
        }
        await bench.chain.finishStateCommitment()
        try await commitment.value
    }
}
