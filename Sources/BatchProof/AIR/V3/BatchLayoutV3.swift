/// Column and row layout of the v3 batch AIR (see docs/PROOFS.md, "AIR v3").
///
/// The trace is a sequence of 8-row blocks; a block is an operation, a touched leaf, a
/// merge of one touched tree node, or padding (type flags constant within the block), in
/// lanes A and B (slot 0). A wide layout adds four *merge slots* (``MergeSlot``) to every
/// block, op blocks included: two more lanes each, holding one more merge or nothing.
/// Rows 8k…8k+7 of a block hold each lane after 0…7 rounds. Range-check chunks and the
/// lookup multiplicity are per row; everything else from ``isOperation`` to
/// ``finalPosition`` (and each merge slot's descriptor) is constant within a block.
enum BatchLayoutV3 {
    static let rowsPerBlock = 8

    // MARK: - Columns

    /// RPO lane A: op blocks hash the operation's commitment leaf; leaf blocks the old
    /// leaf; merge blocks the old parent.
    static let laneA = 0
    /// RPO lane B: op blocks merge two nodes of the operations tree (when ``opsMerge``);
    /// leaf blocks hash the final leaf; merge blocks the new parent.
    static let laneB = 12
    /// The batch number, constant over the trace (bound into every operation leaf).
    static let batchNumber = 24
    /// Block type flags (none: padding).
    static let isOperation = 25
    static let isLeaf = 26
    static let isMerge = 27
    /// One-hot kind flags (none: a padding operation).
    static let isTransfer = 28
    static let isDeposit = 29
    static let isWithdrawal = 30
    static let isMint = 31
    static let isBurn = 32
    static let flagCount = 5
    /// Operation fields.
    static let from = 33
    static let to = 34
    static let amountLow = 35
    static let amountHigh = 36
    static let fromKey = 37
    static let toKey = 38
    static let asset = 39
    /// Update A (on `from`) and update B (on `to`): each before (6), after (6), carry,
    /// 1/newKey, 1/(newKey − asset), and the position of the leaf's previous update.
    static let updateA = 40
    static let updateB = 56
    static let updateWidth = 16
    static let beforeOffset = 0
    static let afterOffset = 6
    static let carryOffset = 12
    static let keyInverseOffset = 13
    static let holderInverseOffset = 14
    static let previousOffset = 15
    /// The operation's index (0 … S − 1), counted over the op blocks in trace order.
    static let operationIndex = 72
    /// Lane B of this op block merges operations-tree nodes (children at level
    /// ``opsLevel``, parent index ``opsIndex``).
    static let opsMerge = 73
    static let opsLevel = 74
    static let opsIndex = 75
    /// Tree blocks: the level of the node produced (0 for a leaf), its index, which
    /// children are touched (consumed from the bus), and a leaf's last update position.
    static let treeLevel = 76
    static let treeIndex = 77
    static let leftTouched = 78
    static let rightTouched = 79
    static let finalPosition = 80
    /// First range-check chunk column (chunk j of the row's checked value).
    static let chunks = 81

    /// Block-constant columns (checked equal between rows of a block).
    static let blockConstant = isOperation...finalPosition

    // MARK: - Merge slots (wide layouts)

    /// The columns a merge uses in one lane pair: the old parent's lane, the new parent's
    /// lane and the block-constant descriptor. Lane pair 0 (``firstPair``: lanes A and B
    /// with the block's own flags and tree columns) holds an operation, a leaf or a merge;
    /// an extra *merge slot* of a wide layout (``mergeSlot(_:base:)``, descriptor contiguous,
    /// ``isMerge`` through ``rightTouched``) only a merge or nothing.
    struct MergeSlot: Sendable, Equatable {
        let laneOld: Int
        let laneNew: Int
        let isMerge: Int
        /// The level of the node produced (1…31) and its index.
        let level: Int
        let index: Int
        /// Which children are touched (consumed from the bus).
        let leftTouched: Int
        let rightTouched: Int

        /// The descriptor columns (constant within a block).
        var descriptor: [Int] { [isMerge, level, index, leftTouched, rightTouched] }
    }

    /// Lane pair 0's merge columns.
    static let firstPair = MergeSlot(
        laneOld: laneA, laneNew: laneB, isMerge: isMerge, level: treeLevel, index: treeIndex,
        leftTouched: leftTouched, rightTouched: rightTouched)

    /// Columns of one merge slot: two lanes and the five descriptor columns.
    static let mergeSlotWidth = 29

    /// Merge slot `k` (1, 2, …) with its columns from `base` on (after the multiplicity).
    static func mergeSlot(_ k: Int, base: Int) -> MergeSlot {
        let start = base + (k - 1) * mergeSlotWidth
        return MergeSlot(
            laneOld: start, laneNew: start + 12, isMerge: start + 24, level: start + 25, index: start + 26,
            leftTouched: start + 27, rightTouched: start + 28)
    }

    // MARK: - Leaf fields

    static let balanceLowField = 0
    static let balanceHighField = 1
    static let nonceField = 2
    static let keyField = 3
    static let assetField = 4
    static let blindingField = 5

    // MARK: - Periodic columns

    enum Periodic {
        /// 1 on rows 0…6 of a block (RPO rounds).
        static let round = 0
        /// Round constants (as `RPOInAIR` reads them: 1…12 and 13…24).
        static let constants1 = 1
        static let constants2 = 13
        /// One-hot row-within-block selectors, rows 0…7.
        static let row = 25
        /// The range table 0 … 2^c − 1.
        static let table = 33
        static let count = 34
    }
}
