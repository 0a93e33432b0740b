import Foundation
import Primitives
import Settlement
import Testing
import L1Mock

/// A verifier for tests: accepts exactly `TestProof.bytes(for:)` of the batch, so a test can
/// send both a proof that verifies and one that does not.
struct TestProofVerifier: BatchProofVerifier {
    var name: String { "test-proof-verifier" }

    func verify(proof: [UInt8], commitment: BatchCommitment) throws {
        guard proof == TestProof.bytes(for: commitment) else {
            throw TestProof.Mismatch(
                description: "proof does not match batch \(commitment.batchNumber)'s public inputs")
        }
    }
}

enum TestProof {
    struct Mismatch: Error, CustomStringConvertible { var description: String }

    static func bytes(for commitment: BatchCommitment) -> [UInt8] {
        Array("test proof of ".utf8) + SHA256.hash(commitment.batchHash.bytes).bytes
    }
}

/// A clock tests advance by hand (milliseconds since the epoch).
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var now: UInt64 = 1_700_000_000_000

    var read: @Sendable () -> UInt64 { { [self] in lock.withLock { now } } }

    func advance(seconds: UInt64) { lock.withLock { now += seconds * 1000 } }
}

/// An L1 mock in a fresh directory, the operator key, and helpers that build valid batches.
struct L1Fixture {
    static let genesisRoot = try! Hash32(hex: "0x" + String(repeating: "0a", count: 32))

    let directory: String
    let operatorKey: PrivateKey
    let clock: TestClock
    let options: L1SettlementMock.Options
    let engine: L1SettlementMock
    var client: L1MockClient { L1MockClient(engine: engine, operatorKey: operatorKey) }

    init(
        verifier: any BatchProofVerifier = TestProofVerifier(), genesis: Hash32? = L1Fixture.genesisRoot,
        depositDeadlineSeconds: UInt64? = nil
    ) throws {
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("cloister-l1-\(UUID().uuidString)").path
        operatorKey = try PrivateKey(bytes: [UInt8](repeating: 0x42, count: 32))
        clock = TestClock()
        options = L1SettlementMock.Options(
            genesisStateRoot: genesis, depositDeadlineSeconds: depositDeadlineSeconds, clock: clock.read)
        engine = try L1SettlementMock.open(
            dataDirectory: directory, operator: operatorKey.address, verifier: verifier, options: options)
    }

    private init(reopening other: L1Fixture, verifier: any BatchProofVerifier) throws {
        directory = other.directory
        operatorKey = other.operatorKey
        clock = other.clock
        options = other.options
        engine = try L1SettlementMock.open(
            dataDirectory: directory, operator: operatorKey.address, verifier: verifier, options: options)
    }

    /// The same data directory opened again (as after a restart).
    func reopened(verifier: any BatchProofVerifier = TestProofVerifier()) throws -> L1Fixture {
        try L1Fixture(reopening: self, verifier: verifier)
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    /// A state root that differs per batch.
    static func stateRoot(_ number: UInt64, variant: UInt8 = 0) -> Hash32 {
        var bytes = [UInt8](repeating: variant, count: 32)
        withUnsafeBytes(of: number.bigEndian) { bytes.replaceSubrange(24..<32, with: $0) }
        bytes[0] = 0xAB
        return try! Hash32(bytes)
    }

    /// The batch after `previous` (or batch 1), consuming `deposits` and making `withdrawals`.
    static func batch(
        after previous: BatchCommitment?, deposits: [Deposit] = [], firstDepositIndex: UInt64? = nil,
        withdrawals: [Withdrawal] = [], timestampOffset: UInt64 = 0, variant: UInt8 = 0
    ) -> BatchCommitment {
        let number = (previous?.batchNumber ?? 0) + 1
        let tree = try! WithdrawalTree(batchNumber: number, withdrawals: withdrawals)
        return BatchCommitment(
            batchNumber: number, previousStateRoot: previous?.newStateRoot ?? genesisRoot,
            newStateRoot: stateRoot(number, variant: variant), operationsCommitment: stateRoot(number, variant: 0x77),
            depositCount: UInt64(deposits.count),
            firstDepositIndex: firstDepositIndex ?? previous.map { $0.firstDepositIndex + $0.depositCount } ?? 0,
            depositHash: DepositHash.of(deposits), withdrawalCount: UInt64(withdrawals.count),
            withdrawalsRoot: tree.root,
            policyHash: stateRoot(0, variant: 0x50), auditLogHead: stateRoot(number, variant: 0xA0),
            timestamp: 1_700_000_000_000 + number * 1000 + timestampOffset,
            previousBatchHash: previous?.batchHash ?? .zero)
    }

    /// Commits, proves (with the test proof) and executes a batch.
    @discardableResult
    func settle(_ commitment: BatchCommitment) async throws -> L1Acknowledgement {
        try await client.commit(commitment)
        try await client.prove(
            batchNumber: commitment.batchNumber, batchHash: commitment.batchHash,
            proof: TestProof.bytes(for: commitment))
        return try await client.execute(batchNumber: commitment.batchNumber, batchHash: commitment.batchHash)
    }

    /// Everything a reader can see, to check that a refusal changed nothing.
    struct Snapshot: Equatable {
        var status: L1Status
        var batches: [L1BatchRecord]
        var deposits: [DepositRecord]
        var withdrawals: [FinalizedWithdrawal]
        var events: [L1Event]
    }

    func snapshot() throws -> Snapshot {
        Snapshot(
            status: try engine.status(), batches: try engine.batches(from: 0, limit: 1000),
            deposits: try engine.deposits(from: 0, limit: 1000),
            withdrawals: try engine.withdrawals(after: 0, limit: 1000),
            events: try engine.events(after: 0, limit: 1000))
    }

    /// Runs `call`, expecting a refusal of `kind` whose message mentions every string in
    /// `mentions`, and checks that every read is unchanged afterwards.
    func expectRefusal(
        _ kind: SettlementError.Kind, mentioning mentions: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation,
        _ call: () async throws -> Void
    ) async throws {
        let before = try snapshot()
        do {
            try await call()
            Issue.record("expected a \(kind.rawValue) refusal, but the call succeeded", sourceLocation: sourceLocation)
        } catch let error as SettlementError {
            #expect(error.kind == kind, "\(error.message)", sourceLocation: sourceLocation)
            for text in mentions {
                #expect(
                    error.message.contains(text), "'\(error.message)' should mention '\(text)'",
                    sourceLocation: sourceLocation)
            }
        }
        #expect(try snapshot() == before, "a refused call must leave the L1 unchanged", sourceLocation: sourceLocation)
    }
}

extension Address {
    static func test(_ byte: UInt8) -> Address { try! Address([UInt8](repeating: byte, count: 20)) }
}

extension BatchCommitment {
    /// The same fields with another `batchHash`: what a sender that lies about its hash sends
    /// (built through the wire format, which keeps the hash as sent).
    func withHash(_ hash: Hash32) -> BatchCommitment {
        var fields = try! JSONSerialization.jsonObject(with: JSONEncoder().encode(self)) as! [String: Any]
        fields["batchHash"] = hash.hex
        return try! JSONDecoder().decode(BatchCommitment.self, from: JSONSerialization.data(withJSONObject: fields))
    }
}
