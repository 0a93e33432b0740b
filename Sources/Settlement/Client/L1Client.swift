import Primitives

/// How the node talks to its settlement layer: the operator calls and the public reads.
///
/// Two conformances: `L1MockClient` (module L1Mock: the mock in the same process, for devnets
/// and tests) and `HTTPL1Client` (the mock as `cloister l1`, or a real L1 behind the same API). Both sign every
/// operator call with the operator key, and both fail with `SettlementError` only: a
/// driver retries with backoff on `.unreachable`, and stops on anything else.
public protocol L1Client: Sendable {
    // MARK: Operator calls (signed)

    /// Commits a sealed batch's public data.
    @discardableResult
    func commit(_ commitment: BatchCommitment) async throws(SettlementError) -> L1Acknowledgement
    /// Sends the batch's validity proof; a refused proof throws `.proofRejected` (and is recorded).
    @discardableResult
    func prove(
        batchNumber: UInt64, batchHash: Hash32, proof: [UInt8]
    ) async throws(SettlementError) -> L1Acknowledgement
    /// Finalises a proven batch.
    @discardableResult
    func execute(batchNumber: UInt64, batchHash: Hash32) async throws(SettlementError) -> L1Acknowledgement
    /// Reverts every unexecuted batch above `toBatch`; `lastCommittedBatchHash` must name the
    /// L1's current last committed batch (so the signature cannot be replayed later).
    @discardableResult
    func revert(toBatch: UInt64, lastCommittedBatchHash: Hash32) async throws(SettlementError) -> L1Acknowledgement

    // MARK: Public calls

    @discardableResult

    func deposit(
        recipient: Address, asset: Address, amount: UInt256, sender: Address
    ) async throws(SettlementError)
        -> DepositRecord
    @discardableResult
    func finalizeWithdrawal(_ proof: WithdrawalProof) async throws(SettlementError) -> FinalizedWithdrawal

    // MARK: Reads

    func status() async throws(SettlementError) -> L1Status
    /// The batch in the chain with this number, or nil.
    func batch(_ number: UInt64) async throws(SettlementError) -> L1BatchRecord?
    func batches(from number: UInt64, limit: Int) async throws(SettlementError) -> [L1BatchRecord]
    /// The accepted proof of a batch, or nil while it has none.
    func proof(ofBatch number: UInt64) async throws(SettlementError) -> [UInt8]?
    func deposits(from index: UInt64, limit: Int) async throws(SettlementError) -> [DepositRecord]
    func withdrawals(after sequence: UInt64, limit: Int) async throws(SettlementError) -> [FinalizedWithdrawal]
    func events(after sequence: UInt64, limit: Int) async throws(SettlementError) -> [L1Event]
}
