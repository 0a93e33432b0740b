import Foundation
import Primitives
import Store
import StoreTestSupport
import Testing

/// What every `ChainStore` engine guarantees, run against each: SQLite (a real file) and
/// PostgreSQL (a real server, the cluster `make test` starts). Engine internals (SQLite's runs
/// and folds, PostgreSQL's migrations and outages) are tested beside their modules.
@Suite struct ChainStoreContractTests {
    @Test(arguments: TestEngine.allCases)
    func committedBlockReadsBack(_ engine: TestEngine) throws {
        let store = try EngineFixture(engine).open()
        #expect(try store.head() == nil)
        let entry = StateEntry(key: [1, 2, 3], value: [9, 9])
        try store.commit(TestBlocks.block(0, entries: [entry]))
        let head = try #require(try store.head())
        #expect(head.number == 0)
        #expect(head.hash == Keccak256.hash(Array("block 0".utf8)))
        #expect(try store.block(number: 0) == Array("payload 0".utf8))
        #expect(try store.block(number: 1) == nil)
        #expect(try store.blockNumber(hash: head.hash) == 0)
        #expect(try store.blockNumber(hash: .zero) == nil)
        let transaction = try #require(try store.transaction(hash: TestBlocks.transactionHash(0, 1)))
        #expect(transaction.blockNumber == 0 && transaction.position == 1)
        #expect(transaction.payload == Array("receipt 0.1".utf8))
        #expect(try store.transaction(hash: Keccak256.hash(Array("never sent".utf8))) == nil)
        #expect(try store.transactions(blockNumber: 0).map(\.position) == [0, 1])
        #expect(try store.allStateEntries() == [entry])
        #expect(try store.auditRecords(from: 0, limit: 10) == [Array("audit 0".utf8)])
        #expect(try store.metadata("progress") == [0])
        #expect(try store.metadata("absent") == nil)
    }

    /// A block's transactions read a piece at a time: in order, from a position, at most a limit.
    @Test(arguments: TestEngine.allCases)
    func aBlocksTransactionsReadInPieces(_ engine: TestEngine) throws {
        let store = try EngineFixture(engine).open()
        try store.commit(TestBlocks.block(0, transactions: 7))
        try store.commit(TestBlocks.block(1, transactions: 3))
        let piece = try store.transactions(blockNumber: 0, from: 2, limit: 3)
        #expect(piece.map(\.position) == [2, 3, 4])
        #expect(piece.map(\.payload) == (2...4).map { Array("receipt 0.\($0)".utf8) })
        #expect(piece.allSatisfy { $0.blockNumber == 0 })
        #expect(try store.transactions(blockNumber: 0, from: 5, limit: 10).map(\.position) == [5, 6])
        #expect(try store.transactions(blockNumber: 0, from: 7, limit: 10).isEmpty)
        #expect(try store.transactions(blockNumber: 0, from: 0, limit: 0).isEmpty)
        #expect(try store.transactions(blockNumber: 1, from: 0, limit: Int.max).map(\.position) == [0, 1, 2])
        #expect(try store.transactions(blockNumber: 2, from: 0, limit: 10).isEmpty)
    }

    @Test(arguments: TestEngine.allCases)
    func laterStateValueReplacesEarlier(_ engine: TestEngine) throws {
        let store = try EngineFixture(engine).open()
        try store.commit(TestBlocks.block(0, entries: [StateEntry(key: [1], value: [1])]))
        try store.commit(TestBlocks.block(1, entries: [StateEntry(key: [1], value: [2]), StateEntry(key: [2], value: [3])]))
        #expect(Set(try store.allStateEntries().map(\.value)) == [[2], [3]])
        #expect(try store.auditRecords(from: 1, limit: 10) == [Array("audit 1".utf8)])
    }

    @Test(arguments: TestEngine.allCases)
    func refusesOutOfOrderBlock(_ engine: TestEngine) throws {
        let store = try EngineFixture(engine).open()
        #expect(throws: StoreError.outOfOrderBlock(expected: 0, got: 1)) { try store.commit(TestBlocks.block(1)) }
        try store.commit(TestBlocks.block(0))
        #expect(throws: StoreError.outOfOrderBlock(expected: 1, got: 0)) { try store.commit(TestBlocks.block(0)) }
    }

    @Test(arguments: TestEngine.allCases)
    func reopensWithSameMasterKey(_ engine: TestEngine) throws {
        let fixture = try EngineFixture(engine)
        try fixture.open().commit(TestBlocks.block(0, entries: [StateEntry(key: [7], value: [8])]))
        let reopened = try fixture.open()
        #expect(try reopened.head()?.number == 0)
        #expect(try reopened.allStateEntries() == [StateEntry(key: [7], value: [8])])
        #expect(reopened.derivedSecret(purpose: "sessions") == (try fixture.open()).derivedSecret(purpose: "sessions"))
    }

    /// A failure at any point inside a block's write leaves the store exactly at the previous
    /// block, seen by the same store and by a new one; the retried write then succeeds.
    @Test(arguments: TestEngine.allCases, ["block", "transactions", "state", "audit", "commit"])
    func faultMidWriteLeavesPreviousBlock(_ engine: TestEngine, stage: String) throws {
        let fixture = try EngineFixture(engine)
        let armed = Locked(false)
        let store = try fixture.open(faultInjector: { current in
            if current == stage, armed.withLock({ $0 }) { throw StoreError.injectedFault(current) }
        })
        try store.commit(TestBlocks.block(0, entries: [StateEntry(key: [1], value: [1])]))
        armed.withLock { $0 = true }
        #expect(throws: StoreError.injectedFault(stage)) {
            try store.commit(TestBlocks.block(1, entries: [StateEntry(key: [1], value: [2])]))
        }
        for view in [store, try fixture.open()] {
            #expect(try view.head()?.number == 0)
            #expect(try view.block(number: 1) == nil)
            #expect(try view.transaction(hash: TestBlocks.transactionHash(1, 0)) == nil)
            #expect(try view.transaction(hash: TestBlocks.transactionHash(0, 1))?.payload == Array("receipt 0.1".utf8))
            #expect(try view.allStateEntries() == [StateEntry(key: [1], value: [1])])
            #expect(try view.auditRecords(from: 0, limit: 10).count == 1)
            #expect(try view.metadata("progress") == [0])
        }
        armed.withLock { $0 = false }
        try store.commit(TestBlocks.block(1, entries: [StateEntry(key: [1], value: [2])]))
        try store.commit(TestBlocks.block(2, entries: [StateEntry(key: [2], value: [3])]))
        for view in [store, try fixture.open()] {
            #expect(try view.head()?.number == 2)
            #expect(Set(try view.allStateEntries().map(\.value)) == [[2], [3]])
            for block in 0...2 as ClosedRange<UInt64> {
                for position in 0..<2 {
                    let found = try view.transaction(hash: TestBlocks.transactionHash(block, position))
                    #expect(found?.blockNumber == block && found?.position == position)
                }
            }
        }
    }

    /// Audit records appended outside blocks and with them share one sequence; each row opens
    /// on its own, and the last row is the head of the chain.
    @Test(arguments: TestEngine.allCases)
    func auditRecordsAppendInOneSequence(_ engine: TestEngine) throws {
        let store = try EngineFixture(engine).open()
        #expect(try store.lastAuditRow() == nil)
        try store.appendAuditRecords([Array("refusal a".utf8), Array("refusal b".utf8)], blockNumber: 0)
        try store.commit(TestBlocks.block(0))
        try store.appendAuditRecords([Array("refusal c".utf8)], blockNumber: 1)
        let rows = try store.auditRows(from: 0, limit: 10)
        #expect(rows.map(\.sequence) == [0, 1, 2, 3])
        #expect(try rows.map { try $0.plaintext.get() } == ["refusal a", "refusal b", "audit 0", "refusal c"].map { Array($0.utf8) })
        #expect(try store.auditRecords(from: 2, limit: 1) == [Array("audit 0".utf8)])
        let last = try #require(try store.lastAuditRow())
        #expect(last.sequence == 3)
        #expect(try last.plaintext.get() == Array("refusal c".utf8))
        try store.putMetadata(["root 1": [1, 2], "root 2": [3]])
        #expect(try store.metadata("root 1") == [1, 2])
        try store.putMetadata(["root 1": [4]])
        #expect(try store.metadata("root 1") == [4])
    }

    @Test(arguments: TestEngine.allCases)
    func wrongMasterKeyIsRefusedAndDatabaseUntouched(_ engine: TestEngine) throws {
        let fixture = try EngineFixture(engine)
        try fixture.open().commit(TestBlocks.block(0))
        let before = try fixture.storedBytes()
        let otherKey = try MasterKey(bytes: SecureRandom.bytes(32))
        #expect {
            try fixture.open(masterKey: otherKey, masterKeyPath: "other.key")
        } throws: { error in
            guard case StoreError.wrongMasterKey(path: "other.key", _) = error else { return false }
            return true
        }
        #expect(try fixture.storedBytes() == before)
        #expect(try fixture.open().head()?.number == 0)
    }

    @Test(arguments: TestEngine.allCases)
    func storedBytesHoldNoPlaintext(_ engine: TestEngine) throws {
        let fixture = try EngineFixture(engine)
        let address = try Address(hex: "0xb3E774e635Be510E4Af843F15dCDeaf7C5Be40bB")
        let amount = try UInt256(decimal: "123456789012345")
        let store = try fixture.open()
        let transactionHash = Keccak256.hash([1])
        try store.commit(
            BlockWrite(
                number: 0, hash: .zero, payload: address.bytes + Array("EURD".utf8),
                transactions: [TransactionWrite(hash: transactionHash, payload: amount.bigEndianBytes)],
                stateEntries: [StateEntry(key: address.bytes, value: amount.bigEndianBytes + Array(amount.decimal.utf8))],
                auditRecords: [Array("alice sent 123456789012345 EURD".utf8) + address.bytes],
                metadata: ["balance of \(address.hex)": amount.bigEndianBytes]))
        try store.journalAdmissions([(transactionHash, address.bytes + amount.bigEndianBytes)])
        let contents = try fixture.storedBytes()
        #expect(!contents.isEmpty)
        let needles: [[UInt8]] =
            EngineFixture.needleForms([address.bytes, amount.bigEndianBytes, transactionHash.bytes]) + [
                Array(address.hex.utf8), Array(address.hex.dropFirst(2).uppercased().utf8), Array(address.hex.dropFirst(2).utf8),
                Array(amount.decimal.utf8), Array("EURD".utf8),
            ]
        for needle in needles {
            #expect(contents.range(of: Data(needle)) == nil, "found plaintext \(String(decoding: needle, as: UTF8.self))")
        }
    }
}
