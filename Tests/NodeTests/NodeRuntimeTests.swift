import Foundation
import GRDB
import Primitives
import Node
import NodeTestSupport
import Store
import Testing

/// The shell's one place that opens the chain on its store engine.
@Suite struct NodeRuntimeTests {
    @Test func wrongOrMissingMasterKeyRefusesToStart() async throws {
        let fixture = try ChainFixture()
        _ = try await fixture.openChain()
        let before = FileManager.default.contents(atPath: fixture.databasePath)
        await #expect(throws: StoreError.masterKeyMissing(path: fixture.directory + "/none.key")) {
            try await NodeRuntime.openChain(config: fixture.config, masterKeyPath: fixture.directory + "/none.key", logger: .init(label: "test"))
        }
        let otherKey = fixture.directory + "/other.key"
        _ = try MasterKey.create(at: otherKey)
        await #expect(throws: StoreError.wrongMasterKey(path: otherKey, database: fixture.databasePath)) {
            try await NodeRuntime.openChain(config: fixture.config, masterKeyPath: otherKey, logger: .init(label: "test"))
        }
        #expect(FileManager.default.contents(atPath: fixture.databasePath) == before)
    }

    /// The config's store thresholds reach the store the node opens: with a fold every 2 blocks
    /// and an index run every 3 transactions, a short chain crosses both many times, and every
    /// transaction and balance reads the same after each restart.
    @Test func configuredStoreThresholdsAreCrossedAndReadsStayRightAcrossRestarts() async throws {
        let fixture = try ChainFixture(storageSettings: "fold_interval_blocks = 2\nindex_run_size = 3")
        var included = [(hash: Hash32, block: UInt64, position: Int)]()
        var nonce: UInt64 = 0
        let carolAtGenesis = UInt256(1_000) * UInt256(1_000_000_000_000_000_000)
        for _ in 0..<4 {
            let chain = try await NodeRuntime.openChain(config: fixture.config, masterKeyPath: fixture.keyPath, logger: .init(label: "test"))
            for (hash, block, position) in included {
                let found = try chain.transaction(hash: hash)
                #expect(found?.blockNumber == block && found?.position == position, "\(hash.hex)")
            }
            #expect(await chain.account(fixture.carol.address).nativeBalance == carolAtGenesis + UInt256(nonce))
            #expect(await chain.account(fixture.bob.address).nonce == nonce)
            for _ in 0..<6 {
                var hashes = [Hash32]()
                for _ in 0..<2 {
                    hashes.append(
                        try await chain.submit(
                            raw: fixture.nativeTransfer(from: fixture.bob, to: fixture.carol.address, amount: 1, nonce: nonce)))
                    nonce += 1
                }
                let block = try #require(try await chain.produceBlock())
                #expect(block.transactionHashes == hashes)
                for (position, hash) in hashes.enumerated() { included.append((hash, block.header.number, position)) }
            }
        }
        // Both thresholds were crossed: runs are in the index table, folds emptied the journal.
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        let file = try DatabaseQueue(path: fixture.databasePath, configuration: configuration)
        defer { try? file.close() }
        let (indexed, journal) = try await file.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM transaction_index") ?? 0,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM state_journal") ?? 0)
        }
        #expect(indexed >= 30, "index rows \(indexed) of \(included.count) transactions")
        #expect(journal < 6, "journal rows \(journal) after 24 blocks")
    }
}

