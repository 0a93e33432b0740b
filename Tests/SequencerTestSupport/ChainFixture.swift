import ConfigFiles
import Foundation
import Ledger
import Logging
import Policy
import Primitives
import SQLiteStore
import Store
import Transactions
import NodeConfiguration
import Sequencer

/// A small chain for tests: three members in two organisations, an issuer/agent, two tokens.
/// Sequencer-only: opens the chain on a real SQLite store, with no HTTP, settlement or prover.
public struct ChainFixture: Sendable {
    public static let eurd = try! Address(hex: "0xe0d0000000000000000000000000000000000001")
    public static let zqxt = try! Address(hex: "0x2000000000000000000000000000000000000002")

    public let directory: String
    public let keyPath: String
    public let config: NodeConfig
    public let alice: PrivateKey
    public let bob: PrivateKey
    public let carol: PrivateKey
    public let issuer: PrivateKey

    /// - Parameter maxProofRows: `batch.max_proof_rows` as a proven chain has it (nil: no budget).
    /// - Parameter sameMembersAs: another fixture whose member keys this one reuses (two chains
    ///   with the same members, each with its own data directory, master key and secrets).
    public init(
        maxBlocksPerBatch: Int = 2, maxBatchIntervalMs: Int = 600_000, maxBatchOperations: Int = 1_024,
        mempoolMaxTransactions: Int? = nil, maxSealedAwaitingRoot: Int? = nil, durableAdmission: Bool = true,
        maxProofRows: Int? = nil, storageSettings: String = "", adminSettings: String = "", sameMembersAs other: ChainFixture? = nil
    ) throws {
        alice = other?.alice ?? PrivateKey.generate()
        bob = other?.bob ?? PrivateKey.generate()
        carol = other?.carol ?? PrivateKey.generate()
        issuer = other?.issuer ?? PrivateKey.generate()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cloister-node-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        keyPath = directory + "/master.key"
        _ = try MasterKey.create(at: keyPath)
        let toml = """
            [chain]
            chain_id = 4242
            block_interval_ms = 50
            max_block_transactions = 1000
            block_gas_limit = 1000000000
            \(mempoolMaxTransactions.map { "mempool_max_transactions = \($0)" } ?? "")
            durable_admission = \(durableAdmission)
            [batch]
            max_blocks = \(maxBlocksPerBatch)
            max_interval_ms = \(maxBatchIntervalMs)
            max_operations = \(maxBatchOperations)
            \(maxSealedAwaitingRoot.map { "max_sealed_awaiting_root = \($0)" } ?? "")
            [storage]
            data_dir = "data"
            master_key_file = "master.key"
            \(storageSettings)
            [api]
            listen = "127.0.0.1:0"
            [admin]
            listen = "127.0.0.1:0"
            \(adminSettings)
            [[tokens]]
            address = "\(Self.eurd.hex)"
            symbol = "EURD"
            name = "Digital Euro Deposit"
            decimals = 6
            issuers = ["\(issuer.address.hex)"]
            agents = ["\(issuer.address.hex)"]
            supply_cap = "1000000000000000"
            [[tokens]]
            address = "\(Self.zqxt.hex)"
            symbol = "ZQXT"
            name = "Test Token"
            decimals = 2
            issuers = ["\(issuer.address.hex)"]
            agents = ["\(issuer.address.hex)"]
            [[accounts]]
            name = "alice"
            organisation = "bank-a"
            address = "\(alice.address.hex)"
            native = "1000000000000000000000"
            tokens = { EURD = "5000000000", ZQXT = "700001" }
            [[accounts]]
            name = "bob"
            organisation = "bank-a"
            address = "\(bob.address.hex)"
            native = "1000000000000000000000"
            tokens = { EURD = "3000000000" }
            [[accounts]]
            name = "carol"
            organisation = "bank-b"
            address = "\(carol.address.hex)"
            native = "1000000000000000000000"
            [[accounts]]
            name = "issuer"
            organisation = "bank-a"
            address = "\(issuer.address.hex)"
            native = "1000000000000000000000"
            """
        let file = directory + "/cloister.toml"
        try toml.write(toFile: file, atomically: true, encoding: .utf8)
        var loaded = try NodeConfig.load(path: file)
        // The fixture has no prover, so the proof budget is off unless a test sets one.
        loaded.batch.maxProofRows = maxProofRows
        config = loaded
    }

    public var databasePath: String { config.dataDirectory + "/" + SQLiteChainStore.fileName }
    /// The SQLite store's admission journal (a file of its own).
    public var admissionJournalPath: String { config.dataDirectory + "/" + SQLiteChainStore.admissionFileName }

    public func openStore(faultInjector: (@Sendable (String) throws -> Void)? = nil) throws -> SQLiteChainStore {
        try SQLiteChainStore(
            directory: config.dataDirectory, masterKey: try MasterKey.load(from: keyPath), masterKeyPath: keyPath,
            faultInjector: faultInjector, indexRunSize: config.storeThresholds.indexRunSize,
            journalBlockLimit: config.storeThresholds.foldIntervalBlocks)
    }

    /// - Parameter metrics: where the chain counts; tests that read metrics pass the shell's `NodeMetrics`.
    public func openChain(
        faultInjector: (@Sendable (String) throws -> Void)? = nil, policy: CompiledPolicy? = nil,
        clock: (@Sendable () -> UInt64)? = nil, metrics: any SequencerMetrics = UncountedSequencerMetrics()
    ) async throws -> Chain {
        try await Chain.open(
            config: config, store: try openStore(faultInjector: faultInjector), logger: Logger(label: "test"), policy: policy,
            clock: clock, metrics: metrics)
    }

    /// A signed ERC-20 transfer.
    public func tokenTransfer(from key: PrivateKey, token: Address = eurd, to: Address, amount: UInt256, nonce: UInt64) -> [UInt8] {
        let data = [0xa9, 0x05, 0x9c, 0xbb] + [UInt8](repeating: 0, count: 12) + to.bytes + amount.bigEndianBytes
        return tokenCall(from: key, token: token, data: data, nonce: nonce)
    }

    /// A signed call of a token's contract with the given calldata (EIP-1559, no fees, 100,000 gas).
    public func tokenCall(from key: PrivateKey, token: Address = eurd, data: [UInt8], nonce: UInt64) -> [UInt8] {
        TransactionCodec.sign(
            .dynamicFee(
                chainID: 4242, nonce: nonce, maxPriorityFeePerGas: 0, maxFeePerGas: 0, gasLimit: 100_000, to: token,
                value: 0, data: data),
            with: key
        ).rawBytes
    }

    /// A signed native transfer (legacy, EIP-155).
    public func nativeTransfer(from key: PrivateKey, to: Address, amount: UInt256, nonce: UInt64) -> [UInt8] {
        TransactionCodec.sign(
            .legacy(chainID: 4242, nonce: nonce, gasPrice: 0, gasLimit: 21_000, to: to, value: amount), with: key
        ).rawBytes
    }
}

/// A lock for test state shared with @Sendable closures.
public final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    public init(_ value: Value) { self.value = value }
    public func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
