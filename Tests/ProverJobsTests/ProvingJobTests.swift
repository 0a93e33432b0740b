import Foundation
import Primitives
import ProverJobs
import Settlement
import StarkMath
import StateTree
import Testing

/// A proving job's codec and its seal: what leaves the node for a worker, and only in that form.
@Suite struct ProvingJobTests {
    static let seed = [UInt8](repeating: 0x3C, count: 32)
    static let alice = [UInt8](repeating: 0xA1, count: 20)
    static let bob = [UInt8](repeating: 0xB2, count: 20)
    static let native = [UInt8](repeating: 0, count: 20)
    static let aliceBalance: UInt128 = 0x0001_2345_6789_ABCD_EF01

    /// Batch `batch` of a small chain: a transfer from alice to bob, with a deposit and a
    /// withdrawal in its envelope lists.
    static func job(batch: UInt64 = 5) throws -> ProvingJob {
        var tree = try AccountTree.genesis(
            holdings: [(alice, native, aliceBalance), (bob, native, 10)], supplies: [],
            randomness: try .seeded(seed, label: "genesis"))
        let transfer = LeafOperation(
            kind: .transfer, fromKey: AccountLeaf.key(account: alice, asset: native),
            toKey: AccountLeaf.key(account: bob, asset: native), asset: AccountLeaf.assetID(of: native), amount: 77_777)
        var randomness = try WitnessRandomness.seeded(seed, label: "batch \(batch)")
        let (update, _) = try tree.apply([transfer], randomness: &randomness)
        let deposit = Deposit(
            queueIndex: 3, recipient: try Address(alice), asset: .zero, amount: UInt256(1_000_001), sender: try Address(bob))
        let withdrawal = Withdrawal(
            batchNumber: batch, indexInBatch: 0, recipient: try Address(bob), asset: .zero, amount: UInt256(424_242))
        return ProvingJob(
            batch: batch, randomnessKey: try WitnessRandomness.derivedKey(seed, label: "batch \(batch)"), update: update,
            deposits: [deposit], withdrawals: [withdrawal])
    }

    @Test func codecRoundTripsEveryField() throws {
        let job = try Self.job()
        #expect(try ProvingJob(decoding: job.encoded) == job)
        var empty = job
        empty.deposits = []
        empty.withdrawals = []
        #expect(try ProvingJob(decoding: empty.encoded) == empty)
    }

    @Test func codecRefusesAnotherVersionTruncationAndTrailingBytes() throws {
        let bytes = try Self.job().encoded
        var otherVersion = bytes
        otherVersion[0] = 2
        for malformed in [otherVersion, Array(bytes.dropLast()), bytes + [0], Array(bytes.prefix(40)), []] {
            #expect(throws: ProverJobError.self) { try ProvingJob(decoding: malformed) }
        }
        // A deposit count the bytes cannot hold is refused before anything is allocated for it.
        var hugeCount = bytes
        hugeCount.replaceSubrange(41..<45, with: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: ProverJobError.malformed("4294967295 deposits do not fit")) { try ProvingJob(decoding: hugeCount) }
    }

    @Test func codecRefusesAWithdrawalOfAnotherBatch() throws {
        var job = try Self.job(batch: 5)
        job.withdrawals = [
            Withdrawal(batchNumber: 6, indexInBatch: 0, recipient: try Address(Self.bob), asset: .zero, amount: UInt256(1))
        ]
        #expect(throws: ProverJobError.malformed("a withdrawal of batch 6 in the job of batch 5")) {
            try ProvingJob(decoding: job.encoded)
        }
    }

    /// The batch's randomness key gives exactly the sequence the node's seeded randomness gives,
    /// so a worker's witness reaches the roots the node committed.
    @Test func derivedRandomnessKeyGivesTheSeededSequence() throws {
        var seeded = try WitnessRandomness.seeded(Self.seed, label: "batch 9")
        var derived = try WitnessRandomness.derived(fromKey: try WitnessRandomness.derivedKey(Self.seed, label: "batch 9"))
        var other = try WitnessRandomness.derived(fromKey: try WitnessRandomness.derivedKey(Self.seed, label: "batch 10"))
        let a = (0..<20).map { _ in seeded.nextElement() }
        #expect(a == (0..<20).map { _ in derived.nextElement() })
        #expect(a != (0..<20).map { _ in other.nextElement() })
        #expect(throws: AccountTreeError.self) { try WitnessRandomness.derived(fromKey: [1, 2, 3]) }
    }

    @Test func sealedJobOpensWithItsKeyForItsBatchOnly() throws {
        let key = try ProverKey(bytes: SecureRandom.bytes(32))
        let job = try Self.job(batch: 5)
        let sealed = try key.seal(job)
        #expect(try key.open(sealed, batch: 5) == job)

        let otherKey = try ProverKey(bytes: SecureRandom.bytes(32))
        #expect(throws: ProverJobError.wrongKey(batch: 5, sealedWith: key.id, workerKey: otherKey.id)) {
            try otherKey.open(sealed, batch: 5)
        }
        // The row of batch 5 copied to batch 6's: bound to its batch number.
        #expect(throws: ProverJobError.tampered(batch: 6)) { try key.open(sealed, batch: 6) }
        for index in [sealed.count / 2, sealed.count - 1, 9] {
            var tampered = sealed
            tampered[index] ^= 0x01
            #expect(throws: ProverJobError.tampered(batch: 5)) { try key.open(tampered, batch: 5) }
        }
        #expect(throws: ProverJobError.self) { try key.open(Array(sealed.prefix(20)), batch: 5) }
    }

    /// The sealed form holds none of the witness: no holder key, balance, amount, address or
    /// the encoding's own bytes.
    @Test func sealedJobHoldsNoPlaintext() throws {
        let key = try ProverKey(bytes: SecureRandom.bytes(32))
        let job = try Self.job()
        let sealed = try key.seal(job)
        var needles: [[UInt8]] = [Self.alice, Self.bob, Array(job.encoded[9..<41])]
        for value: UInt64 in [77_777, 1_000_001, 424_242, UInt64(Self.aliceBalance & 0xFFFF_FFFF_FFFF)] {
            needles += [withUnsafeBytes(of: value.littleEndian) { Array($0.prefix(4)) }, withUnsafeBytes(of: value.bigEndian) { Array($0.suffix(4)) }]
        }
        for leaf in job.update.oldLeaves { needles.append(withUnsafeBytes(of: leaf.leaf.fields[3].value.littleEndian) { Array($0) }) }
        for needle in needles {
            #expect(sealed.firstRange(of: needle) == nil, "the sealed job holds \(needle)")
        }
    }

    @Test func proverKeyFileIsPrivateAndNeverOverwritten() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prover-key-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/prover.key"
        let created = try ProverKey.create(at: path)
        let mode = try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber).intValue
        #expect(mode == 0o600)
        #expect(try ProverKey.load(from: path).id == created.id)
        #expect(throws: ProverJobError.self) { try ProverKey.create(at: path) }
        #expect(try ProverKey.load(from: path).id == created.id)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect {
            try ProverKey.load(from: path)
        } throws: { error in
            guard case ProverJobError.keyUnusable(_, let reason) = error else { return false }
            return reason.contains("chmod 600")
        }
        #expect(throws: ProverJobError.keyMissing(path: directory + "/none.key")) { try ProverKey.load(from: directory + "/none.key") }
    }
}
