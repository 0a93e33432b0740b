import StarkCrypto
import StarkMath
import StateTree

/// One operation slot as the AIR sees it and the operations commitment absorbs it.
///
/// `from` is the slot update A touches and `to` the slot update B touches (for a deposit
/// both are the recipient's slot, for a withdrawal both the sender's, for a mint `from` is
/// the supply leaf, for a burn `to` is). `fromKey` and `toKey` are the keys those leaves
/// carry after the update; `asset` is the asset of both leaves.
public struct BatchOperation: Sendable, Hashable {
    public var kind: OperationKind
    public var from: Int
    public var to: Int
    /// The amount's two 62-bit limbs (field elements so tests can write broken ones).
    public var amountLow: Goldilocks
    public var amountHigh: Goldilocks
    public var fromKey: Goldilocks
    public var toKey: Goldilocks
    public var asset: Goldilocks

    public init(
        kind: OperationKind, from: Int, to: Int, amount: UInt128, fromKey: Goldilocks, toKey: Goldilocks,
        asset: Goldilocks
    ) {
        let (low, high) = AccountLeaf.limbs(amount)
        self.init(
            kind: kind, from: from, to: to, amountLow: low, amountHigh: high, fromKey: fromKey, toKey: toKey,
            asset: asset)
    }

    init(
        kind: OperationKind, from: Int, to: Int, amountLow: Goldilocks, amountHigh: Goldilocks,
        fromKey: Goldilocks, toKey: Goldilocks, asset: Goldilocks
    ) {
        self.kind = kind
        self.from = from
        self.to = to
        self.amountLow = amountLow
        self.amountHigh = amountHigh
        self.fromKey = fromKey
        self.toKey = toKey
        self.asset = asset
    }

    /// The amount (for honest operations, whose limbs are below 2⁶²).
    public var amount: UInt128 { UInt128(amountLow.value) | UInt128(amountHigh.value) << 62 }

    /// The eight elements the operations commitment absorbs for this operation:
    /// `[kind, from, to, amountLow, amountHigh, fromKey, toKey, asset]`.
    public var fields: [Goldilocks] {
        [
            Goldilocks(reducing: kind.rawValue), Goldilocks(reducing: UInt64(from)), Goldilocks(reducing: UInt64(to)),
            amountLow, amountHigh, fromKey, toKey, asset,
        ]
    }
}

/// The hiding commitment to a batch's ordered operations, as the AIR computes it.
///
/// An RPO sponge (overwrite mode) whose first state is
/// `[batch number, slot count, deposit count, withdrawal count ‖ salt (8 elements)]`; for
/// each operation slot: permute, overwrite the rate with the operation's
/// ``BatchOperation/fields``, permute. The commitment is lanes 4…7 of the final state. The
/// salt is private (eight random elements from the CSPRNG), so the commitment reveals
/// nothing about the operations; whoever holds the salt and the operations (an auditor)
/// can recompute it.
public enum OperationsCommitment {
    public static let saltCount = 8

    public static func initialState(
        batchNumber: UInt64, slotCount: Int, depositCount: Int, withdrawalCount: Int, salt: [Goldilocks]
    ) -> RPOState {
        precondition(salt.count == saltCount, "the operations salt has \(saltCount) elements")
        return RPOState(
            [
                Goldilocks(reducing: batchNumber), Goldilocks(reducing: UInt64(slotCount)),
                Goldilocks(reducing: UInt64(depositCount)), Goldilocks(reducing: UInt64(withdrawalCount)),
            ] + salt)
    }

    public static func compute(
        batchNumber: UInt64, slotCount: Int, depositCount: Int, withdrawalCount: Int, salt: [Goldilocks],
        operations: [BatchOperation]
    ) -> RPODigest {
        var state = initialState(
            batchNumber: batchNumber, slotCount: slotCount, depositCount: depositCount,
            withdrawalCount: withdrawalCount, salt: salt)
        for operation in operations {
            RPO256.permute(&state)
            for (offset, field) in operation.fields.enumerated() { state[RPO256.capacity + offset] = field }
            RPO256.permute(&state)
        }
        return state.digest
    }
}
