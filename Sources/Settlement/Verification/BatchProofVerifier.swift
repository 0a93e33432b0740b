/// Checks a batch's validity proof against the public inputs the L1 stored at commit.
///
/// The seam between the L1 and the proof system: the L1 mock calls it on every prove call
/// and never marks a batch proven unless it returns normally. The STARK conformance is
/// `StarkBatchVerifier` (BatchProof); an L1 opened without one gets `NoProofSystemConfigured`,
/// which refuses every proof.
public protocol BatchProofVerifier: Sendable {
    /// Shown in proof attempts and the L1's status, so readers know what checked a proof.
    var name: String { get }
    /// Returns normally only if `proof` proves the transition `commitment` states;
    /// throws an error whose description says why not.
    func verify(proof: [UInt8], commitment: BatchCommitment) throws
}

/// The verifier in force while no proof system exists: every proof is refused, so no batch
/// can become proven or executed (and no withdrawal claimable) on unproven state.
public struct NoProofSystemConfigured: BatchProofVerifier {
    public init() {}

    public var name: String { "none" }

    public func verify(proof: [UInt8], commitment: BatchCommitment) throws {
        throw SettlementError(
            .proofRejected,
            "no proof system is configured: batches stay committed until this L1 is opened with a proof verifier "
                + "(the \(proof.count)-byte proof of batch \(commitment.batchNumber) was not checked, and is not accepted)"
        )
    }
}
