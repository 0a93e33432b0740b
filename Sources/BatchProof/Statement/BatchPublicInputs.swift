import StarkCrypto
import StarkMath
import StateTree

/// A deposit as the batch statement names it: the holder key credited, the asset and the
/// amount (public: the L1 shows every deposit anyway).
public struct DepositStatement: Sendable, Hashable {
    public let toKey: Goldilocks
    public let asset: Goldilocks
    public let amount: UInt128

    public init(toKey: Goldilocks, asset: Goldilocks, amount: UInt128) {
        self.toKey = toKey
        self.asset = asset
        self.amount = amount
    }
}

/// A withdrawal as the batch statement names it: the asset and the amount debited from
/// some holder leaf of that asset (who receives it on the L1 is not part of the AIR).
public struct WithdrawalStatement: Sendable, Hashable {
    public let asset: Goldilocks
    public let amount: UInt128

    public init(asset: Goldilocks, amount: UInt128) {
        self.asset = asset
        self.amount = amount
    }
}

/// What a batch proof is a proof about: everything here is public.
///
/// Element order (``elements``): `[batch number, S, D, W, old root (4), new root (4),
/// operations commitment (4)]`, then D × `[toKey, asset, amountLow, amountHigh]` (deposit
/// i sits in slot i), then W × `[asset, amountLow, amountHigh]` (withdrawal j sits in slot
/// S − W + j).
public struct BatchPublicInputs: Sendable, Hashable {
    public let batchNumber: UInt64
    public let slotCount: Int
    public let oldRoot: RPODigest
    public let newRoot: RPODigest
    public let operationsCommitment: RPODigest
    public let deposits: [DepositStatement]
    public let withdrawals: [WithdrawalStatement]

    /// Elements before the deposit list.
    public static let headerCount = 16

    public init(
        batchNumber: UInt64, slotCount: Int, oldRoot: RPODigest, newRoot: RPODigest, operationsCommitment: RPODigest,
        deposits: [DepositStatement] = [], withdrawals: [WithdrawalStatement] = []
    ) {
        self.batchNumber = batchNumber
        self.slotCount = slotCount
        self.oldRoot = oldRoot
        self.newRoot = newRoot
        self.operationsCommitment = operationsCommitment
        self.deposits = deposits
        self.withdrawals = withdrawals
    }

    public static func elementCount(depositCount: Int, withdrawalCount: Int) -> Int {
        headerCount + 4 * depositCount + 3 * withdrawalCount
    }

    /// The public inputs as the STARK absorbs them. Amounts of 2¹²⁴ or more are refused by
    /// ``BatchVerifier`` before this is used.
    public var elements: [Goldilocks] {
        var list = [
            Goldilocks(reducing: batchNumber), Goldilocks(reducing: UInt64(slotCount)),
            Goldilocks(reducing: UInt64(deposits.count)), Goldilocks(reducing: UInt64(withdrawals.count)),
        ]
        list += oldRoot.elements + newRoot.elements + operationsCommitment.elements
        for deposit in deposits {
            let (low, high) = AccountLeaf.limbs(deposit.amount)
            list += [deposit.toKey, deposit.asset, low, high]
        }
        for withdrawal in withdrawals {
            let (low, high) = AccountLeaf.limbs(withdrawal.amount)
            list += [withdrawal.asset, low, high]
        }
        return list
    }
}
