import BatchProof
import CMemory
import Foundation
import Ledger
import Primitives
import Settlement
import Stark
import StarkCrypto
import StarkMath
import StateTree
import Sequencer

/// STARK validity proofs of the node's batches, with the BatchProof module's batch AIR v3
/// (`cloister.batch.v3`, the multi-update; envelope version 3). A batch that changes no
/// leaf is proven too (operation blocks only, old root = new root).
///
/// Proves the sequencer's one state tree: each sealed batch's stored multi-update (its
/// operations and the part of the tree they touch) is all a witness needs, so proving
/// starts from any batch without the rest of the tree and without replaying earlier ones.
/// The leaf blindings and the operations salt derive from the chain's secret seed with a
/// label per batch (as the sequencer's tree derives them), so a witness built again after a
/// restart reaches the same roots.
///
/// A witness is kept from the batch's statement (made when it is committed) until it is
/// proven; proving runs off the actor, so several workers prove at once.
public actor StarkBatchProofs: BatchProofSystem {
    /// The metadata entry holding the seed (written by the sequencer at genesis).
    static let seedKey = "proof.witness-seed"

    /// `nil`: the options recommended for each batch's trace length.
    let options: ProofOptions?
    /// Build witnesses and prove at idle priority (`prover_background`): every core while they
    /// are idle, none while blocks and requests need them.
    let background: Bool
    private var seed: [UInt8]?
    private var witnesses: [UInt64: BatchWitnessV3] = [:]
    /// Keep statements' witnesses until the batch is proven here; off when workers prove.
    let keepsWitnesses: Bool
    /// How many witnesses are kept between a statement and its proof: the lowest-numbered, which
    /// are proven next. While proofs lag, batches keep being committed; keeping every witness
    /// made the node's memory grow with the backlog (a soak found it). A batch whose witness was
    /// not kept has it rebuilt from its stored tree update when it is proven.
    package static let keptWitnessLimit = 4

    /// How many witnesses are kept now (for tests).
    package var keptWitnessCount: Int { witnesses.count }

    /// - Parameters:
    ///   - background: build witnesses and prove on threads of idle priority
    ///   (`SCHED_IDLE`, every core), so block production and the API keep the cores whenever
    ///   they need them; otherwise proofs use every core at normal priority.
    ///   - keepsWitnesses: keep each statement's witness for the proof (false when `cloister
    ///     prover` workers prove: this instance then only makes statements).
    public init(options: ProofOptions? = nil, background: Bool = false, keepsWitnesses: Bool = true) {
        self.options = options
        self.background = background
        self.keepsWitnesses = keepsWitnesses
    }

    public nonisolated var name: String { "stark (cloister.batch.v3 STARK over the state tree)" }

    public func genesisStateRoot(of batches: any SealedBatches) async throws -> Hash32 {
        await batches.genesisStateRoot
    }

    public func statement(ofBatch number: UInt64, in batches: any SealedBatches) async throws -> BatchStatement {
        let witness = try await witness(of: number, in: batches)
        let inputs = witness.publicInputs
        return BatchStatement(
            previousStateRoot: Hash32(rpo: inputs.oldRoot), newStateRoot: Hash32(rpo: inputs.newRoot),
            operationsCommitment: Hash32(rpo: inputs.operationsCommitment))
    }

    public func prove(batch number: UInt64, in batches: any SealedBatches) async throws -> [UInt8] {
        let witness = try await witness(of: number, in: batches)
        guard let contents = try batches.batchContents(number: number) else {
            throw NodeError.corruptRecord("the contents of batch \(number) are not stored")
        }
        let options = self.options
        let deposits = contents.deposits
        let withdrawals = contents.withdrawals
        let prove: @Sendable () throws(BatchProofError) -> BatchProofEnvelope = {
            let proof = try BatchProverV3.prove(witness: witness, options: options)
            return BatchProofEnvelope(
                v3SlotCount: witness.publicInputs.slotCount, traceLength: witness.air.traceLength, deposits: deposits,
                withdrawals: withdrawals, proof: proof)
        }
        let envelope: BatchProofEnvelope
        do {
            envelope = try await background
                ? BackgroundThread.run(name: "cloister-prover", priority: .idle) { () throws(BatchProofError) in
                    try Parallelism.atLowPriority(prove)
                }
                : Task.detached(priority: .utility) { try prove() }.value
        } catch {
            throw NodeError.settlement("batch \(number) cannot be proven: \(error)")
        }
        witnesses[number] = nil
        Self.returnFreedMemory()
        return envelope.encoded
    }

    /// Hands the pages a proof freed back to the system. A proof allocates hundreds of MB on
    /// worker threads, and glibc keeps what a thread's arena freed (up to 64 MB an arena, one
    /// arena per busy thread): a soak's node sat at 500–600 MB, most of it free memory held in
    /// six arenas, between proofs of batches that need a fraction of that.
    static func returnFreedMemory() {
        _ = cloister_release_free_memory()
    }

    /// The kept witness of batch `number`, or one built from its stored tree update.
    private func witness(of number: UInt64, in batches: any SealedBatches) async throws -> BatchWitnessV3 {
        guard number >= 1 else { throw NodeError.settlement("batch 0 is the genesis: it has no statement or proof") }
        if let kept = witnesses[number] { return kept }
        let update = try batches.treeUpdate(number)
        let seed = try witnessSeed(batches)
        let build: @Sendable () throws -> BatchWitnessV3 = { try Self.witness(number, update: update, seed: seed) }
        // About a millisecond of hashing per operation: at idle priority like the proof, so a
        // node under load commits late rather than executing slowly.
        let witness =
            background
            ? try await BackgroundThread.run(name: "cloister-witness", priority: .idle) { try Parallelism.atLowPriority(build) }
            : try build()
        try OperationOpenings.keep(witness, in: batches)  // for transaction disclosures, before the statement goes out
        if keepsWitnesses { witnesses[number] = witness }
        while witnesses.count > Self.keptWitnessLimit, let highest = witnesses.keys.max() { witnesses[highest] = nil }
        return witness
    }

    /// The witness of batch `number` from its tree update: no state but the arguments, so it
    /// may run on any thread. It reaches the update's new root or is refused.
    static func witness(_ number: UInt64, update: TreeUpdate, seed: [UInt8]) throws -> BatchWitnessV3 {
        do {
            let randomness = try WitnessRandomness.seeded(seed, label: "batch \(number)")
            let witness = try BatchWitnessV3.make(number: number, update: update, randomness: randomness)
            guard witness.publicInputs.newRoot == update.newRoot else {
                throw NodeError.settlement("batch \(number): the v3 witness does not reach the update's new root")
            }
            return witness
        } catch let error as NodeError {
            throw error
        } catch {
            throw NodeError.settlement("batch \(number) cannot be proven: \(error)")
        }
    }

    /// The secret the tree's blindings and the salts derive from (the sequencer made it at genesis).
    private func witnessSeed(_ batches: any SealedBatches) throws -> [UInt8] {
        if let seed { return seed }
        guard let stored = try batches.record(Self.seedKey), stored.count >= WitnessRandomness.minimumSeedBytes else {
            throw NodeError.corruptRecord("the state-tree seed (\(Self.seedKey)) is missing or shorter than 16 bytes")
        }
        seed = stored
        return stored
    }
}
