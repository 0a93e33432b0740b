import Primitives
import Settlement
import Sequencer

/// What a proof system proves about one batch, in its own terms: the state roots of the
/// tree it proves against and the hiding commitment to the batch's operations. These are
/// the fields of the L1 commitment that a proof must match.
public struct BatchStatement: Sendable, Equatable {
    public var previousStateRoot: Hash32
    public var newStateRoot: Hash32
    public var operationsCommitment: Hash32

    public init(previousStateRoot: Hash32, newStateRoot: Hash32, operationsCommitment: Hash32) {
        self.previousStateRoot = previousStateRoot
        self.newStateRoot = newStateRoot
        self.operationsCommitment = operationsCommitment
    }
}

/// The seam between settlement and a validity-proof system: the settlement driver commits
/// each batch with the system's statement and hands the L1 the system's proof.
///
/// Both must be deterministic functions of the stored chain (a resend after a crash must be
/// byte-identical); proofs may differ between runs (they are zero-knowledge), statements not.
public protocol BatchProofSystem: Sendable {
    /// For logs and the admin API.
    var name: String { get }
    /// The state root the L1 starts from, before batch 1.
    func genesisStateRoot(of batches: any SealedBatches) async throws -> Hash32
    /// The statement of sealed batch `number` (≥ 1). Called in batch order.
    func statement(ofBatch number: UInt64, in batches: any SealedBatches) async throws -> BatchStatement
    /// The proof of sealed batch `number`, as the L1's verifier takes it. May take seconds.
    func prove(batch number: UInt64, in batches: any SealedBatches) async throws -> [UInt8]
}

/// Settlement without validity proofs: batches are committed with the ledger's own state
/// roots and SHA-256 operations commitment, and never proven (they stay `committed` on the
/// L1). What the node did before a proof system existed; kept for tests of other parts.
public struct NoBatchProofs: BatchProofSystem {
    public init() {}

    public var name: String { "none (batches are committed, never proven)" }

    public func genesisStateRoot(of batches: any SealedBatches) async throws -> Hash32 {
        guard let genesis = try batches.batch(number: 0) else { throw NodeError.corruptRecord("batch 0 is missing") }
        return genesis.stateRoot
    }

    public func statement(ofBatch number: UInt64, in batches: any SealedBatches) async throws -> BatchStatement {
        guard number >= 1, let record = try batches.batch(number: number), let previous = try batches.batch(number: number - 1) else {
            throw NodeError.corruptRecord("batch \(number) or its predecessor is not sealed")
        }
        return BatchStatement(
            previousStateRoot: previous.stateRoot, newStateRoot: record.stateRoot,
            operationsCommitment: record.operationsCommitment)
    }

    public func prove(batch number: UInt64, in batches: any SealedBatches) async throws -> [UInt8] {
        throw NodeError.settlement("no batch proof system is configured: batch \(number) cannot be proven")
    }
}
