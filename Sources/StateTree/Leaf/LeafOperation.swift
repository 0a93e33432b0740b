import StarkMath

/// What one operation does to the tree: update A on its `from` leaf, then update B on its
/// `to` leaf. The batch proof proves exactly these semantics; the node applies them at
/// each seal.
public enum OperationKind: UInt64, Sendable, Hashable, CaseIterable {
    /// Both updates leave their leaf unchanged.
    case padding = 0
    /// A debits holder `from`, B credits holder `to` (same asset).
    case transfer = 1
    /// A leaves holder `to` unchanged, B credits it. Only in the deposit zone.
    case deposit = 2
    /// A debits holder `from`, B leaves it unchanged. Only in the withdrawal zone.
    case withdrawal = 3
    /// A credits the asset's supply leaf, B credits holder `to`.
    case mint = 4
    /// A debits holder `from`, B debits the asset's supply leaf.
    case burn = 5

    /// The roles of update A and update B.
    public var roles: (LeafRole, LeafRole) {
        switch self {
        case .padding: (.noop, .noop)
        case .transfer: (.debit(holder: true), .credit(holder: true))
        case .deposit: (.noop, .credit(holder: true))
        case .withdrawal: (.debit(holder: true), .noop)
        case .mint: (.credit(holder: false), .credit(holder: true))
        case .burn: (.debit(holder: true), .debit(holder: false))
        }
    }
}

/// What one update does to its leaf.
public enum LeafRole: Sendable, Hashable {
    case noop
    case debit(holder: Bool)
    case credit(holder: Bool)

    /// Whether the leaf changes (its key, asset and blinding are written).
    public var changes: Bool { self != .noop }
    /// Whether the leaf is a holder's (not an asset's supply leaf).
    public var isHolder: Bool {
        switch self {
        case .noop: false
        case .debit(let holder), .credit(let holder): holder
        }
    }
}

/// An operation before slots are resolved: kind, the keys of the leaves it touches (the
/// holder's key, or the asset's id for a supply leaf), the asset and the amount's limbs.
public struct LeafOperation: Sendable, Hashable {
    public var kind: OperationKind
    public var fromKey: Goldilocks
    public var toKey: Goldilocks
    public var asset: Goldilocks
    public var amountLow: Goldilocks
    public var amountHigh: Goldilocks

    public init(kind: OperationKind, fromKey: Goldilocks, toKey: Goldilocks, asset: Goldilocks, amount: UInt128) {
        let (low, high) = AccountLeaf.limbs(amount)
        self.init(kind: kind, fromKey: fromKey, toKey: toKey, asset: asset, amountLow: low, amountHigh: high)
    }

    public init(
        kind: OperationKind, fromKey: Goldilocks, toKey: Goldilocks, asset: Goldilocks, amountLow: Goldilocks,
        amountHigh: Goldilocks
    ) {
        self.kind = kind
        self.fromKey = fromKey
        self.toKey = toKey
        self.asset = asset
        self.amountLow = amountLow
        self.amountHigh = amountHigh
    }

    /// The amount (for honest operations, whose limbs are below 2⁶²).
    public var amount: UInt128 { UInt128(amountLow.value) | UInt128(amountHigh.value) << 62 }

    public static let padding = LeafOperation(kind: .padding, fromKey: .zero, toKey: .zero, asset: .zero, amount: 0)

    /// The keys whose slots the operation needs, in the order slots are assigned: `from`
    /// before `to`; a deposit touches only its recipient, a withdrawal only its sender.
    public var touchedKeys: [Goldilocks] {
        switch kind {
        case .padding: []
        case .deposit: [toKey]
        case .withdrawal: [fromKey]
        case .transfer, .mint, .burn: [fromKey, toKey]
        }
    }
}

extension AccountLeaf {
    /// This leaf after one update (field arithmetic, no range checks: callers check
    /// amounts and balances first). A changing update writes `key` and `asset` and draws a
    /// fresh blinding from `randomness`; a holder debit increments the nonce. `carry` is the
    /// borrow or carry between the limbs, as the AIR's carry column holds it.
    public func applying(
        _ role: LeafRole, amountLow: Goldilocks, amountHigh: Goldilocks, key: Goldilocks, asset: Goldilocks,
        randomness: inout WitnessRandomness
    ) -> (leaf: AccountLeaf, carry: Goldilocks) {
        var new = self
        var carry = Goldilocks.zero
        let limbBase = Goldilocks(reducing: 1 << 62)
        switch role {
        case .noop:
            break
        case .credit:
            let sum = UInt128(balanceLow.value) + UInt128(amountLow.value)
            carry = sum >= 1 << 62 ? .one : .zero
            new.balanceLow = balanceLow + amountLow - carry * limbBase
            new.balanceHigh = balanceHigh + amountHigh + carry
        case .debit(let holder):
            carry = balanceLow.value < amountLow.value ? .one : .zero
            new.balanceLow = balanceLow - amountLow + carry * limbBase
            new.balanceHigh = balanceHigh - amountHigh - carry
            if holder { new.nonce = nonce + .one }
        }
        if role.changes {
            new.key = key
            new.asset = asset
            new.blinding = randomness.nextElement()
        }
        return (new, carry)
    }
}
