import Foundation
import Logging
import ServiceLifecycle
import Sequencer

extension SealedBatches {
    static func proofKey(_ number: UInt64) -> String { "batch.\(number).proof" }

    /// The stored proof of batch `number`, if the prover made one that has not been refused.
    public nonisolated func storedProof(ofBatch number: UInt64) throws -> [UInt8]? {
        guard let bytes = try record(Self.proofKey(number)), !bytes.isEmpty else { return nil }
        return bytes
    }

    nonisolated func storeProof(_ proof: [UInt8], ofBatch number: UInt64) throws {
        try keepRecords([Self.proofKey(number): proof])
    }

    /// Transactions and deposits in sealed batch `number` (0 if its contents are gone).
    nonisolated func operationCount(ofBatch number: UInt64) throws -> Int {
        guard let contents = try batchContents(number: number) else { return 0 }
        return Int(contents.operationCount) + contents.deposits.count
    }

    /// Forgets a proof the L1 refused, so the prover makes a new one.
    nonisolated func discardProof(ofBatch number: UInt64) throws {
        try keepRecords([Self.proofKey(number): []])
    }
}
