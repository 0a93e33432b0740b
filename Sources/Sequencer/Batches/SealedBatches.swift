import Ledger
import Primitives
import StateTree
import Settlement

/// What the parts after the sequencer (settlement and proving, in the application shell)
/// need of it: the sealed batches and what each contains, deposits in, audit entries out,
/// and records of their own kept with the chain's. They hold this protocol, never the
/// `Chain` actor, so they cannot reach into admission or block production.
///
/// `Chain` conforms. Records kept through `keepRecords` are stored like every record of the
/// chain (sealed, in the same store); their keys must be in the callers' namespaces
/// (`settlement.…`, `proof.…`, `batch.<n>.proof`): `Chain` refuses any other key, so no part
/// outside the sequencer can read or overwrite its own records (open batch, history, chain id).
public protocol SealedBatches: Sendable {
    /// The newest batch whose state root is recorded.
    var latestBatch: BatchRecord { get async }
    /// A sealed batch's record, or nil while it is not sealed.
    func batch(number: UInt64) throws -> BatchRecord?
    /// A sealed batch's deposits, withdrawals and operations commitment.
    func batchContents(number: UInt64) throws -> BatchContents?
    /// The value movements of a sealed batch, in proof order (see `BatchMovements`).
    func batchMovements(_ number: UInt64) throws -> [ValueMovement]
    /// The ledger at genesis.
    func genesisState() throws -> LedgerState
    /// The state-tree root before the first batch (what the L1 starts from).
    var genesisStateRoot: Hash32 { get async }
    /// Sealed batch `number`'s multi-update of the state tree (batch ≥ 1): what its proof needs.
    func treeUpdate(_ number: UInt64) throws -> TreeUpdate
    /// Drops batch `number`'s tree update once the batch is executed on the L1: no proof needs it
    /// again, and it is about the size of the batch's touched leaves and their siblings.
    func discardTreeUpdate(_ number: UInt64) throws
    /// The L1 queue index of the next deposit the chain has not yet received.
    var nextDepositToReceive: UInt64 { get async }
    /// Hands deposits fetched from the L1 to the sequencer; it keeps only the next ones in order.
    func receiveDeposits(_ deposits: [Deposit]) async
    /// Adds an entry to the audit log (written with the next block).
    func audit(_ entry: AuditEntry) async
    /// A record this caller kept, or nil.
    func record(_ key: String) throws -> [UInt8]?
    /// Keeps records (all or none), replacing any under the same keys.
    func keepRecords(_ records: [String: [UInt8]]) throws
}

extension Chain: SealedBatches {
    public nonisolated func genesisState() throws -> LedgerState {
        do { return try config.genesisState() } catch { throw NodeError.genesis(error.description) }
    }

    public var genesisStateRoot: Hash32 {
        get async { Hash32(rpo: await tracker.genesisRoot) }
    }

    public nonisolated func treeUpdate(_ number: UInt64) throws -> TreeUpdate {
        guard let bytes = try store.metadata(StoredStateTree.updateKey(number)) else {
            throw NodeError.corruptRecord("the state-tree update of batch \(number) is not stored (is the batch sealed?)")
        }
        guard !bytes.isEmpty else {
            throw NodeError.settlement("the state-tree update of batch \(number) was discarded: the batch is executed on the L1")
        }
        do { return try TreeCodec.decodeUpdate(bytes) } catch { throw NodeError.corruptRecord("batch \(number): \(error)") }
    }

    public nonisolated func discardTreeUpdate(_ number: UInt64) throws {
        // The store has no delete: an empty record marks the update as discarded.
        guard number >= 1, try store.metadata(StoredStateTree.updateKey(number)) != nil else { return }
        try store.putMetadata([StoredStateTree.updateKey(number): []])
    }

    public nonisolated func record(_ key: String) throws -> [UInt8]? {
        try Self.requireOutsideNamespace(key)
        return try store.metadata(key)
    }

    public nonisolated func keepRecords(_ records: [String: [UInt8]]) throws {
        for key in records.keys {
            try Self.requireOutsideNamespace(key)
            // Readable by the prover (the witness derives its blindings from it), written only by the sequencer.
            guard key != StoredStateTree.seedKey else { throw NodeError.recordOutsideNamespace(key) }
        }
        try store.putMetadata(records)
    }

    /// Settlement's and proving's own keys: `settlement.…`, `proof.…` and `batch.<n>.proof`.
    static func requireOutsideNamespace(_ key: String) throws(NodeError) {
        if key.hasPrefix("settlement.") || key.hasPrefix("proof.") { return }
        let parts = key.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 3, parts[0] == "batch", parts[2] == "proof", !parts[1].isEmpty, parts[1].allSatisfy(\.isASCII),
            UInt64(parts[1]) != nil
        {
            return
        }
        throw .recordOutsideNamespace(key)
    }
}
