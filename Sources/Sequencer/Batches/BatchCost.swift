import Ledger
import Primitives
import Settlement
import StateTree

/// What the open batch will cost to prove, kept as it fills, so that batches are cut by the
/// prover's work and memory rather than by a count of transactions.
///
/// The batch AIR (v3, docs/PROOFS.md) proves a batch in 8-row blocks: one per operation slot
/// (a power of two at least the operation count), one per touched leaf, one per touched tree
/// node and one more; the trace is the next power of two of that. The touched leaves are
/// counted exactly as blocks are executed; the touched nodes are bounded from above by
/// ``AccountTree/touchedNodeBound(leaves:populated:)``, since the tree applies the batch only
/// after it is sealed. So a batch's proof never needs more rows than the estimate. The
/// estimate is the narrow layout's; a batch whose trace would be longer than two blocks per
/// operation is proven in the wide layout (merges packed five to a block), which never needs
/// more rows than the narrow one, so the bound holds for both.
struct BatchCost: Sendable {
    /// A leaf a value movement changes: a holder's balance of an asset, or an asset's supply.
    struct Leaf: Hashable, Sendable {
        /// nil: the asset's supply leaf.
        var holder: Address?
        var asset: Address
    }

    /// The distinct leaves the batch's movements change.
    private(set) var leaves = Set<Leaf>()
    /// Leaves the batch may have changed before a restart (counted as distinct, not known).
    private(set) var unknownLeaves = 0

    /// The cost of a batch reopened after a restart: the leaves its `operations` changed are
    /// not known, so each is taken to have changed two.
    init(reopenedWith operations: Int = 0) {
        self.unknownLeaves = 2 * operations
    }

    var leafCount: Int { leaves.count + unknownLeaves }

    /// Records the leaves `movement` changes.
    mutating func add(_ movement: ValueMovement) {
        switch movement {
        case .deposit(let to, let asset, _):
            leaves.insert(Leaf(holder: to, asset: asset))
        case .withdrawal(let from, let asset, _):
            leaves.insert(Leaf(holder: from, asset: asset))
        case .transfer(let from, let to, let asset, _):
            leaves.insert(Leaf(holder: from, asset: asset))
            leaves.insert(Leaf(holder: to, asset: asset))
        case .mint(let to, let asset, _):
            leaves.insert(Leaf(holder: to, asset: asset))
            leaves.insert(Leaf(holder: nil, asset: asset))
        case .burn(let from, let asset, _):
            leaves.insert(Leaf(holder: from, asset: asset))
            leaves.insert(Leaf(holder: nil, asset: asset))
        }
    }

    /// This cost with a block's movements added.
    func adding(_ movements: BlockMovements) -> BatchCost {
        var cost = self
        for movement in movements.deposits + movements.transfers + movements.withdrawals { cost.add(movement) }
        return cost
    }

    /// An upper bound on the trace rows of a batch of `operations` operations changing
    /// `leaves` leaves of a tree with at most `populated` assigned slots afterwards.
    static func proofRows(operations: Int, leaves: Int, populated: Int) -> Int {
        var slots = 1
        while slots < operations { slots *= 2 }
        let blocks = slots + leaves + AccountTree.touchedNodeBound(leaves: leaves, populated: populated) + 1
        var rows = 1
        while rows < 8 * blocks { rows *= 2 }
        return rows
    }

    /// The estimate for the batch as it stands, with `operations` operation slots, in a tree
    /// of at most `populated` slots (this batch's new leaves included).
    func proofRows(operations: Int, populated: Int) -> Int {
        Self.proofRows(operations: operations, leaves: leafCount, populated: populated)
    }

    /// The most operations (≤ `limit`) a block may add to a batch of `operations` and keep the
    /// estimate within `budget` rows, taking each added operation to change two leaves new to
    /// the batch and to the tree. `populated` bounds the tree's slots before the block, this
    /// batch's leaves included.
    func room(operations: Int, budget: Int, populated: Int, limit: Int) -> Int {
        guard limit > 0 else { return 0 }
        func fits(_ added: Int) -> Bool {
            Self.proofRows(operations: operations + added, leaves: leafCount + 2 * added, populated: populated + 2 * added)
                <= budget
        }
        guard fits(1) else { return 0 }
        var low = 1
        var high = limit
        while low < high {
            let middle = (low + high + 1) / 2
            if fits(middle) { low = middle } else { high = middle - 1 }
        }
        return low
    }
}
