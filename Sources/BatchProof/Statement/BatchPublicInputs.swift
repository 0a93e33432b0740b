import StarkCrypto
import StarkMath

/// What a batch proof is a proof about: everything here is public.
///
/// Element order (``elements``): `[batch number, slot count, old root (4), new root (4),
/// operations commitment (4)]`, 14 elements. Deposits hash, withdrawals root and supply
/// changes will be appended after these when the AIR grows those operations.
public struct BatchPublicInputs: Sendable, Hashable {
    public let batchNumber: UInt64
    public let slotCount: Int
    public let oldRoot: RPODigest
    public let newRoot: RPODigest
    public let operationsCommitment: RPODigest

    public static let elementCount = 14

    public init(
        batchNumber: UInt64, slotCount: Int, oldRoot: RPODigest, newRoot: RPODigest, operationsCommitment: RPODigest
    ) {
        self.batchNumber = batchNumber
        self.slotCount = slotCount
        self.oldRoot = oldRoot
        self.newRoot = newRoot
        self.operationsCommitment = operationsCommitment
    }

    /// The public inputs as the STARK absorbs them.
    public var elements: [Goldilocks] {
        [Goldilocks(reducing: batchNumber), Goldilocks(reducing: UInt64(slotCount))] + oldRoot.elements
            + newRoot.elements + operationsCommitment.elements
    }
}
