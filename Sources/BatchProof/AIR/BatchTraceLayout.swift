/// Column and row layout of the batch AIR (see docs/PROOFS.md).
///
/// Rows: an operation slot is 512 rows, update A (rows 0…255 of the slot) then update B
/// (rows 256…511). An update is 32 blocks × 8 rows: block 0 hashes the leaf (one RPO
/// permutation of the six leaf fields), block k = 1…31 merges tree level k − 1. In each
/// block rows 8k…8k+7 hold the two RPO states (old path, new path) after 0…7 rounds.
enum BatchTraceLayout {
    static let rowsPerLevel = 8
    /// Tree depth: 2³¹ slots.
    static let depth = 31
    static let blocks = depth + 1
    static let rowsPerUpdate = rowsPerLevel * blocks  // 256
    static let rowsPerOperation = 2 * rowsPerUpdate  // 512

    // MARK: - Columns

    /// RPO state of the old path (old leaf → old root).
    static let oldLane = 0
    /// RPO state of the new path (new leaf → new root), same siblings.
    static let newLane = 12
    /// RPO sponge of the operations commitment.
    static let opsLane = 24
    /// Direction bit of the current block's tree level (1: the running digest is the right
    /// child); zero in block 0.
    static let bit = 36
    /// The sibling digest of the current block's tree level (4 columns); zero in block 0.
    static let sibling = 37
    /// Σ bitⱼ·2ʲ over the levels so far: equals the slot at the end of the path.
    static let index = 41
    /// Leaf before the update: balanceLow, balanceHigh, nonce, key, asset, blinding.
    static let oldLeaf = 42
    /// Leaf after the update.
    static let newLeaf = 48
    /// Carry (credit) or borrow (debit) from the low balance limb; zero on a no-op.
    static let carry = 54
    /// 1/newKey on a changing update (proves the written key ≠ 0), 0 on a no-op.
    static let keyInverse = 55
    /// 1/(newKey − asset) on a holder update (proves a holder key ≠ the asset), else 0.
    static let holderInverse = 56
    /// The root before this update (4), chained from the previous update's new root.
    static let oldRoot = 57
    /// The root after this update (4).
    static let newRoot = 61
    /// Range check: one bit per row, and the Horner accumulator of the bits.
    static let rangeBit = 65
    static let rangeAccumulator = 66
    /// One-hot kind flags (all zero: padding), constant over the operation.
    static let isTransfer = 67
    static let isDeposit = 68
    static let isWithdrawal = 69
    static let isMint = 70
    static let isBurn = 71
    static let flagCount = 5
    /// Operation fields, constant over the operation's 512 rows.
    static let from = 72
    static let to = 73
    static let amountLow = 74
    static let amountHigh = 75
    static let fromKey = 76
    static let toKey = 77
    static let asset = 78
    /// 0 in the deposit zone, 1 in the middle, 2 in the withdrawal zone.
    static let zone = 79
    static let width = 80

    // MARK: - Leaf field offsets

    static let balanceLowField = 0
    static let balanceHighField = 1
    static let nonceField = 2
    static let keyField = 3
    static let assetField = 4
    static let blindingField = 5
    static let leafFieldCount = 6

    // MARK: - Range-check windows (rows within an update)

    /// Each window holds 62 bits, most significant first: new balanceLow, new
    /// balanceHigh, amountLow, amountHigh.
    static let rangeWindowStarts = [0, 64, 128, 192]
    static let rangeBits = 62

    // MARK: - Periodic columns

    enum Periodic {
        /// Period 8: 1 on the 7 round rows of each block.
        static let round = 0
        /// Period 8: first and second round constants, 12 lanes each.
        static let constants1 = 1
        static let constants2 = 13
        /// Period 256 (position within the update).
        static let updateStart = 25  // row 0
        static let levelEnd = 26  // rows 8k + 7, k = 0…30
        static let updateEnd = 27  // row 255
        static let levelPower = 28  // 2^k on rows 8k + 7, k = 0…30
        static let pathEnd = 29  // row 254
        static let rangeStart = 30  // rows 0, 64, 128, 192
        static let rangeStep = 31  // rows w…w+60 of each window
        static let rangeEnd = 32  // 4 columns: row w+61 of window 0…3
        static let rangeIdleNext = 36  // rows whose successor lies outside every window
        /// Period 512 (position within the operation).
        static let isFirstUpdate = 37  // rows 0…255
        static let opsRound = 38  // rows 0…6, 8…14
        static let opsAbsorb = 39  // row 7
        static let operationEnd = 40  // row 511
        static let firstStart = 41  // row 0
        static let secondStart = 42  // row 256
        static let count = 43
    }
}
