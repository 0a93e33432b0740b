import Primitives
import Settlement

/// The L1 mock in this process. Every operator call is still signed with the operator key
/// and checked by the mock, exactly as over HTTP.
public struct L1MockClient: L1Client {
    public let engine: L1SettlementMock
    private let operatorKey: PrivateKey?

    /// - Parameter operatorKey: signs operator calls; nil gives a client for public calls and reads.
    public init(engine: L1SettlementMock, operatorKey: PrivateKey?) {
        self.engine = engine
        self.operatorKey = operatorKey
    }

    private func perform(_ call: OperatorCall) throws(SettlementError) -> L1Acknowledgement {
        try engine.perform(call, signature: operatorKey.map { call.sign(with: $0) })
    }

    @discardableResult

    public func commit(_ commitment: BatchCommitment) async throws(SettlementError) -> L1Acknowledgement {
        try perform(.commit(commitment))
    }

    @discardableResult

    public func prove(
        batchNumber: UInt64, batchHash: Hash32, proof: [UInt8]
    ) async throws(SettlementError)
        -> L1Acknowledgement
    {
        try perform(.prove(batchNumber: batchNumber, batchHash: batchHash, proof: proof))
    }

    @discardableResult

    public func execute(batchNumber: UInt64, batchHash: Hash32) async throws(SettlementError) -> L1Acknowledgement {
        try perform(.execute(batchNumber: batchNumber, batchHash: batchHash))
    }

    @discardableResult

    public func revert(
        toBatch: UInt64, lastCommittedBatchHash: Hash32
    ) async throws(SettlementError) -> L1Acknowledgement {
        try perform(.revert(toBatch: toBatch, lastCommittedBatchHash: lastCommittedBatchHash))
    }

    @discardableResult

    public func deposit(
        recipient: Address, asset: Address, amount: UInt256, sender: Address
    ) async throws(SettlementError)
        -> DepositRecord
    {
        try engine.deposit(recipient: recipient, asset: asset, amount: amount, sender: sender)
    }

    @discardableResult

    public func finalizeWithdrawal(_ proof: WithdrawalProof) async throws(SettlementError) -> FinalizedWithdrawal {
        try engine.finalizeWithdrawal(proof)
    }

    public func status() async throws(SettlementError) -> L1Status { try engine.status() }

    public func batch(_ number: UInt64) async throws(SettlementError) -> L1BatchRecord? { try engine.batch(number) }

    public func batches(from number: UInt64, limit: Int) async throws(SettlementError) -> [L1BatchRecord] {
        try engine.batches(from: number, limit: limit)
    }

    public func proof(ofBatch number: UInt64) async throws(SettlementError) -> [UInt8]? {
        try engine.proof(ofBatch: number)
    }

    public func deposits(from index: UInt64, limit: Int) async throws(SettlementError) -> [DepositRecord] {
        try engine.deposits(from: index, limit: limit)
    }

    public func withdrawals(after sequence: UInt64, limit: Int) async throws(SettlementError) -> [FinalizedWithdrawal] {
        try engine.withdrawals(after: sequence, limit: limit)
    }

    public func events(after sequence: UInt64, limit: Int) async throws(SettlementError) -> [L1Event] {
        try engine.events(after: sequence, limit: limit)
    }
}
