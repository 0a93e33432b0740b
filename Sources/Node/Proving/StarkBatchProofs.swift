import BatchProof
import Foundation
import Ledger
import Primitives
import Settlement
import Stark
import StarkCrypto
import StarkMath
import Sequencer

/// STARK validity proofs of the node's batches, with the BatchProof module's batch AIR.
///
/// Keeps the proof tree — the AIR's account tree: one leaf per (account, asset) with a
/// 124-bit balance, plus a supply leaf per token — next to the ledger's own. The tree
/// after batch N is a deterministic function of the genesis state, batches 1…N and a
/// secret seed kept in the node's (encrypted) metadata: slots are assigned in order of
/// first credit, leaf blindings and the operations salt come from the seed with a label
/// per batch. So after a restart the node rebuilds exactly the roots the L1 already holds,
/// by replaying its stored batches.
///
/// A witness is kept from the batch's statement (made when it is committed) until it is
/// proven; proving runs off the actor, so several workers prove at once.
public actor StarkBatchProofs: BatchProofSystem {
    /// The metadata entry holding the witness seed (32 secret bytes, made on first use).
    static let seedKey = "proof.witness-seed"

    let options: ProofOptions
    /// Build witnesses and prove at idle priority (`prover_background`): every core while they
    /// are idle, none while blocks and requests need them.
    let background: Bool
    private var seed: [UInt8]?
    private var genesis: BatchStateTree?
    /// The tree after batch `headBatch`: statements advance it in batch order.
    private var head: BatchStateTree?
    private var headBatch: UInt64 = 0
    private var witnesses: [UInt64: BatchWitness] = [:]

    /// - Parameter background: build witnesses and prove on threads of idle priority
    ///   (`SCHED_IDLE`, every core), so block production and the API keep the cores whenever
    ///   they need them; otherwise proofs use every core at normal priority.
    public init(options: ProofOptions = .default, background: Bool = false) {
        self.options = options
        self.background = background
    }

    public nonisolated var name: String { "stark (cloister.batch.v2 STARK over the RPO account tree)" }

    public func genesisStateRoot(of batches: any SealedBatches) async throws -> Hash32 {
        Hash32(rpo: try genesisTree(batches).root)
    }

    public func statement(ofBatch number: UInt64, in batches: any SealedBatches) async throws -> BatchStatement {
        guard number >= 1 else { throw NodeError.settlement("batch 0 is the genesis: it has no statement") }
        let previous = try tree(after: number - 1, batches: batches)
        let witness: BatchWitness
        let next: BatchStateTree
        if background {
            // About a millisecond of hashing per operation: at idle priority like the proof,
            // so a node under load commits late rather than executing slowly.
            let movements = try batches.batchMovements(number)
            let seed = try witnessSeed(batches)
            (witness, next) = try await BackgroundThread.run(name: "cloister-witness", priority: .idle) {
                try Parallelism.atLowPriority { try Self.assemble(number, from: previous, movements: movements, seed: seed) }
            }
        } else {
            (witness, next) = try build(number, from: previous, batches: batches)
        }
        witnesses[number] = witness
        if number > headBatch || head == nil {
            head = next
            headBatch = number
        }
        let inputs = witness.publicInputs
        return BatchStatement(
            previousStateRoot: Hash32(rpo: inputs.oldRoot), newStateRoot: Hash32(rpo: inputs.newRoot),
            operationsCommitment: Hash32(rpo: inputs.operationsCommitment))
    }

    public func prove(batch number: UInt64, in batches: any SealedBatches) async throws -> [UInt8] {
        guard number >= 1 else { throw NodeError.settlement("batch 0 is the genesis: it has no proof") }
        let witness: BatchWitness
        if let kept = witnesses[number] {
            witness = kept
        } else {
            witness = try build(number, from: try tree(after: number - 1, batches: batches), batches: batches).witness
            witnesses[number] = witness
        }
        guard let contents = try batches.batchContents(number: number) else {
            throw NodeError.corruptRecord("the contents of batch \(number) are not stored")
        }
        let options = self.options
        let prove: @Sendable () throws(BatchProofError) -> StarkProof = {
            try BatchProver.prove(witness: witness, options: options)
        }
        let proof: StarkProof
        do {
            proof = try await background
                ? BackgroundThread.run(name: "cloister-prover", priority: .idle) { () throws(BatchProofError) in
                    try Parallelism.atLowPriority(prove)
                }
                : Task.detached(priority: .utility) { try prove() }.value
        } catch {
            throw NodeError.settlement("batch \(number) cannot be proven: \(error)")
        }
        witnesses[number] = nil
        return BatchProofEnvelope(
            slotCount: witness.publicInputs.slotCount, deposits: contents.deposits, withdrawals: contents.withdrawals,
            proof: proof
        ).encoded
    }

    // MARK: - The proof tree

    /// The tree after batch `number`: from the head when it is not past `number`, else
    /// replayed from genesis.
    private func tree(after number: UInt64, batches: any SealedBatches) throws -> BatchStateTree {
        var state: BatchStateTree
        var at: UInt64
        if let head, headBatch <= number {
            (state, at) = (head, headBatch)
        } else {
            (state, at) = (try genesisTree(batches), 0)
        }
        while at < number {
            at += 1
            state = try build(at, from: state, batches: batches).newState
        }
        if at > headBatch || head == nil {
            head = state
            headBatch = at
        }
        return state
    }

    /// The witness of batch `number` applied to `previous` (the tree after `number - 1`).
    private func build(
        _ number: UInt64, from previous: BatchStateTree, batches: any SealedBatches
    ) throws -> (witness: BatchWitness, newState: BatchStateTree) {
        try Self.assemble(number, from: previous, movements: try batches.batchMovements(number), seed: try witnessSeed(batches))
    }

    /// The witness of batch `number` from its value movements: no state but the arguments,
    /// so it may run on any thread.
    static func assemble(
        _ number: UInt64, from previous: BatchStateTree, movements: [ValueMovement], seed: [UInt8]
    ) throws -> (witness: BatchWitness, newState: BatchStateTree) {
        do {
            var builder = BatchBuilder(number: number, state: previous, randomness: try .seeded(seed, label: "batch \(number)"))
            for movement in movements {
                try Self.add(movement, to: &builder)
            }
            return try builder.witness()
        } catch {
            throw NodeError.settlement("batch \(number) cannot be proven: \(error)")
        }
    }

    /// Adds one movement. Zero-value transfers, mints and burns change no balance and are
    /// left out; deposits and withdrawals always go in (their lists are public inputs).
    static func add(_ movement: ValueMovement, to builder: inout BatchBuilder) throws(BatchProofError) {
        switch movement {
        case .deposit(let to, let asset, let amount):
            try builder.deposit(account: to.bytes, asset: asset.bytes, amount: try BatchBuilder.narrow(amount))
        case .withdrawal(let from, let asset, let amount):
            try builder.withdraw(from: from.bytes, asset: asset.bytes, amount: try BatchBuilder.narrow(amount))
        case .transfer(let from, let to, let asset, let amount) where !amount.isZero:
            try builder.transfer(from: from.bytes, to: to.bytes, asset: asset.bytes, amount: try BatchBuilder.narrow(amount))
        case .mint(let to, let asset, let amount) where !amount.isZero:
            try builder.mint(to: to.bytes, asset: asset.bytes, amount: try BatchBuilder.narrow(amount))
        case .burn(let from, let asset, let amount) where !amount.isZero:
            try builder.burn(from: from.bytes, asset: asset.bytes, amount: try BatchBuilder.narrow(amount))
        case .transfer, .mint, .burn:
            return
        }
    }

    /// The secret the tree's blindings and salts derive from: read from the node's metadata,
    /// made (32 bytes from the CSPRNG) and stored on first use.
    private func witnessSeed(_ batches: any SealedBatches) throws -> [UInt8] {
        if let seed { return seed }
        let stored: [UInt8]
        if let existing = try batches.record(Self.seedKey) {
            guard existing.count >= WitnessRandomness.minimumSeedBytes else {
                throw NodeError.corruptRecord(
                    "the proof witness seed (\(Self.seedKey)) is \(existing.count) bytes, expected 32")
            }
            stored = existing
        } else {
            stored = SecureRandom.bytes(32)
            try batches.keepRecords([Self.seedKey: stored])
        }
        seed = stored
        return stored
    }

    /// The tree of the genesis state: every native balance, token holding and token supply
    /// in state-key order, so the same genesis and seed always give the same tree.
    private func genesisTree(_ batches: any SealedBatches) throws -> BatchStateTree {
        if let genesis { return genesis }
        let ledger: LedgerState
        ledger = try batches.genesisState()
        var holdings: [(account: [UInt8], asset: [UInt8], balance: UInt128)] = []
        var supplies: [(asset: [UInt8], supply: UInt128)] = []
        do {
            for entry in ledger.entries() {
                switch (entry.key, entry.value) {
                case (.account(let address), .account(let account)) where !account.nativeBalance.isZero:
                    holdings.append((address.bytes, Address.zero.bytes, try BatchBuilder.narrow(account.nativeBalance)))
                case (.holding(let token, let holder), .holding(let holding)) where !holding.balance.isZero:
                    holdings.append((holder.bytes, token.bytes, try BatchBuilder.narrow(holding.balance)))
                case (.token(let token), .token(let state)):
                    supplies.append((token.bytes, try BatchBuilder.narrow(state.totalSupply)))
                default:
                    continue
                }
            }
            let tree = try BatchStateTree.genesis(
                holdings: holdings, supplies: supplies, randomness: try .seeded(try witnessSeed(batches), label: "genesis"))
            genesis = tree
            return tree
        } catch let error as BatchProofError {
            throw NodeError.genesis("the genesis state does not fit the proof tree: \(error)")
        }
    }
}

extension Hash32 {
    /// An RPO digest as the 32 bytes the L1 stores (four little-endian field elements).
    init(rpo digest: RPODigest) {
        // 4 × 8 bytes: always 32, so the conversion cannot fail.
        self = Hash32(exactly: digest.bytes)
    }
}
