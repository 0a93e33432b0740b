import Primitives
import StarkCrypto
import StarkMath

/// A withdrawal an L2 member made in a batch: claimable on the L1 once the batch executes.
public struct Withdrawal: Sendable, Hashable, Codable {
    /// The batch whose withdrawals tree holds this leaf (binds the leaf to one batch).
    public let batchNumber: UInt64
    /// The leaf's position in the batch's tree, from 0, below `WithdrawalTree.capacity`.
    public let indexInBatch: UInt64
    /// Who receives the amount on the L1.
    public let recipient: Address
    /// The asset's L2 token address; the zero address is the native currency.
    public let asset: Address
    public let amount: UInt256

    public init(batchNumber: UInt64, indexInBatch: UInt64, recipient: Address, asset: Address, amount: UInt256) {
        self.batchNumber = batchNumber
        self.indexInBatch = indexInBatch
        self.recipient = recipient
        self.asset = asset
        self.amount = amount
    }

    public static let leafDomainTag = "cloister/withdrawal/v1"

    /// tag ‖ batchNumber(2) ‖ indexInBatch(2) ‖ recipient(5) ‖ asset(5) ‖ amount(8).
    public var leafElements: [Goldilocks] {
        FieldEncoding.tag(Self.leafDomainTag) + FieldEncoding.limbs(batchNumber) + FieldEncoding.limbs(indexInBatch)
            + FieldEncoding.limbs(recipient) + FieldEncoding.limbs(asset) + FieldEncoding.limbs(amount)
    }

    /// `RPO256.hashElements(leafElements)`.
    public var leaf: RPODigest { RPO256.hashElements(leafElements) }

}

/// The withdrawals of one batch as a fixed-depth RPO Merkle tree.
///
/// Depth 16 (up to 65,536 withdrawals per batch); leaf `i` is withdrawal `i`'s leaf, and
/// every position past the last withdrawal holds the empty leaf, the zero digest. A fixed
/// depth keeps proofs one size and lets the AIR hash a fixed number of levels. Nodes are
/// `RPO256.merge(left, right)`, like the state tree's.
public struct WithdrawalTree: Sendable {
    public static let depth = 16
    public static let capacity = 1 << depth
    /// The leaf at every unused position.
    public static let emptyLeaf = RPODigest.zero
    /// Roots of empty subtrees of height 0 … depth.
    static let emptySubtrees = RPOMerkle.emptySubtreeRoots(depth: depth, emptyLeaf: emptyLeaf)
    /// The root of a batch with no withdrawals.
    public static let emptyRoot = Hash32(rpo: emptySubtrees[depth])

    public let batchNumber: UInt64
    public let withdrawals: [Withdrawal]
    /// levels[0] are the leaves, levels[depth] the root (only occupied positions are kept).
    private let levels: [[RPODigest]]

    public var root: Hash32 { Hash32(rpo: levels[Self.depth][0]) }
    public var count: Int { withdrawals.count }

    /// Builds the tree; withdrawal `i` must carry `batchNumber` and `indexInBatch == i`.
    public init(batchNumber: UInt64, withdrawals: [Withdrawal]) throws(SettlementError) {
        guard withdrawals.count <= Self.capacity else {
            throw .invalid("a batch holds at most \(Self.capacity) withdrawals, got \(withdrawals.count)")
        }
        for (position, withdrawal) in withdrawals.enumerated() {
            guard withdrawal.batchNumber == batchNumber, withdrawal.indexInBatch == UInt64(position) else {
                throw .invalid(
                    "withdrawal at position \(position) names batch \(withdrawal.batchNumber) index \(withdrawal.indexInBatch); "
                        + "it must name batch \(batchNumber) index \(position)")
            }
        }
        self.batchNumber = batchNumber
        self.withdrawals = withdrawals
        var levels = [withdrawals.map(\.leaf)]
        for height in 0..<Self.depth {
            let below = levels[height]
            levels.append(
                below.isEmpty
                    ? [] : RPOMerkle.mergePairs(below, padding: Self.emptySubtrees[height], parallelism: .serial))
        }
        if levels[Self.depth].isEmpty { levels[Self.depth] = [Self.emptySubtrees[Self.depth]] }
        self.levels = levels
    }

    /// The inclusion proof of withdrawal `index`.
    public func proof(index: Int) throws(SettlementError) -> WithdrawalProof {
        guard withdrawals.indices.contains(index) else {
            throw .invalid("batch \(batchNumber) has \(withdrawals.count) withdrawals; there is no withdrawal \(index)")
        }
        var siblings = [Hash32]()
        var position = index
        for height in 0..<Self.depth {
            let level = levels[height]
            let sibling = position ^ 1
            siblings.append(Hash32(rpo: sibling < level.count ? level[sibling] : Self.emptySubtrees[height]))
            position >>= 1
        }
        return WithdrawalProof(withdrawal: withdrawals[index], siblings: siblings)
    }
}

/// A withdrawal and the Merkle path that places it in its batch's withdrawals tree.
public struct WithdrawalProof: Sendable, Hashable, Codable {
    public let withdrawal: Withdrawal
    /// `WithdrawalTree.depth` sibling digests, bottom level first.
    public let siblings: [Hash32]

    public init(withdrawal: Withdrawal, siblings: [Hash32]) {
        self.withdrawal = withdrawal
        self.siblings = siblings
    }

    /// The root this proof leads to (independent of any claimed root).
    public func computedRoot() throws(SettlementError) -> Hash32 {
        guard siblings.count == WithdrawalTree.depth else {
            throw .invalid(
                "a withdrawal proof has \(WithdrawalTree.depth) siblings (the tree's depth), this one has \(siblings.count)"
            )
        }
        guard withdrawal.indexInBatch < UInt64(WithdrawalTree.capacity) else {
            throw .invalid(
                "withdrawal index \(withdrawal.indexInBatch) is beyond the tree's \(WithdrawalTree.capacity) leaves")
        }
        var digests = [RPODigest]()
        for (level, sibling) in siblings.enumerated() {
            digests.append(try RPODigest(hash: sibling, what: "sibling \(level) of the withdrawal proof"))
        }
        return Hash32(rpo: RPOMerkle.root(fromLeaf: withdrawal.leaf, index: withdrawal.indexInBatch, siblings: digests))
    }

    /// Checks the proof against a batch's withdrawals root.
    public func verify(against root: Hash32) throws(SettlementError) {
        let computed = try computedRoot()
        guard computed == root else {
            throw .refused(
                "the withdrawal proof for batch \(withdrawal.batchNumber) index \(withdrawal.indexInBatch) leads to root "
                    + "\(computed.hex), but the batch's withdrawals root is \(root.hex): the leaf fields (recipient, asset, "
                    + "amount, batch, index) or the siblings are not those of the batch")
        }
    }

    enum CodingKeys: String, CodingKey { case withdrawal, siblings }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        withdrawal = try c.decode(Withdrawal.self, forKey: .withdrawal)
        var list = try c.nestedUnkeyedContainer(forKey: .siblings)
        var siblings = [Hash32]()
        while !list.isAtEnd {
            let text = try list.decode(String.self)
            do { siblings.append(try Hash32(hex: text)) } catch {
                throw DecodingError.dataCorruptedError(
                    in: list, debugDescription: "sibling '\(text)' is not a 32-byte hash: \(error)")
            }
            guard siblings.count <= WithdrawalTree.depth else {
                throw DecodingError.dataCorruptedError(
                    in: list, debugDescription: "a withdrawal proof has at most \(WithdrawalTree.depth) siblings")
            }
        }
        self.siblings = siblings
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(withdrawal, forKey: .withdrawal)
        try c.encode(siblings.map(\.hex), forKey: .siblings)
    }
}
