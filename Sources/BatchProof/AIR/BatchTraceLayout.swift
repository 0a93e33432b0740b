/// Column and row layout of the batch transfer AIR (see docs/PROOFS.md).
///
/// Rows: an operation slot is 512 rows, a debit update (rows 0…255 of the slot) then a
/// credit update (rows 256…511). An update is 32 tree levels × 8 rows; at level k rows
/// 8k…8k+7 hold the two RPO states (old path, new path) after 0…7 rounds of the merge
/// that computes the level-(k+1) node.
enum BatchTraceLayout {
    static let rowsPerLevel = 8
    static let levels = 32
    static let rowsPerUpdate = rowsPerLevel * levels  // 256
    static let rowsPerOperation = 2 * rowsPerUpdate  // 512

    // MARK: - Columns

    /// RPO state of the old path (leaf before the update → old root).
    static let oldLane = 0
    /// RPO state of the new path (leaf after the update → new root), same siblings.
    static let newLane = 12
    /// RPO sponge of the operations commitment.
    static let opsLane = 24
    /// Direction bit of the current level (1: the running digest is the right child).
    static let bit = 36
    /// The sibling digest of the current level (4 columns), shared by both paths.
    static let sibling = 37
    /// Σ bitⱼ·2ʲ over the levels so far: equals the slot at level 31.
    static let index = 41
    /// Leaf before the update: balance, nonce, key, blinding.
    static let oldLeaf = 42
    /// Leaf after the update.
    static let newLeaf = 46
    /// 1/key for transfers (proves the key is non-zero), 0 for padding.
    static let keyInverse = 50
    /// The root before this update (4), chained from the previous update's new root.
    static let oldRoot = 51
    /// The root after this update (4).
    static let newRoot = 55
    /// Range check: one bit per row, and the Horner accumulator of the bits.
    static let rangeBit = 59
    static let rangeAccumulator = 60
    /// Operation fields, constant over the operation's 512 rows.
    static let kind = 61
    static let from = 62
    static let to = 63
    static let amount = 64
    static let fromKey = 65
    static let toKey = 66
    static let senderNonce = 67
    static let width = 68

    // MARK: - Range-check windows (rows within an update)

    /// Rows 0…62: the 63 bits of the new balance (most significant first).
    static let balanceWindowStart = 0
    static let balanceBits = 63
    /// Rows 64…125: the 62 bits of the amount.
    static let amountWindowStart = 64
    static let amountBits = 62

    // MARK: - Periodic columns

    enum Periodic {
        /// Period 8: 1 on the 7 round rows of each level.
        static let round = 0
        /// Period 8: first and second round constants, 12 lanes each.
        static let constants1 = 1
        static let constants2 = 13
        /// Period 256 (position within the update).
        static let updateStart = 25  // row 0
        static let levelEnd = 26  // rows 8k + 7, k = 0…30
        static let updateEnd = 27  // row 255
        static let levelPower = 28  // 2^(k+1) on rows 8k + 7, k = 0…30
        static let pathEnd = 29  // row 254
        static let rangeStart = 30  // rows 0, 64
        static let rangeStep = 31  // rows 0…61, 64…124
        static let rangeEndBalance = 32  // row 62
        static let rangeEndAmount = 33  // row 125
        static let rangeIdleNext = 40  // rows whose successor lies outside both windows
        /// Period 512 (position within the operation).
        static let isDebit = 34  // rows 0…255
        static let opsRound = 35  // rows 0…6, 8…14
        static let opsAbsorb = 36  // row 7
        static let operationEnd = 37  // row 511
        static let debitStart = 38  // row 0
        static let creditStart = 39  // row 256
        static let count = 41
    }
}
