import Ledger
import Primitives
import Transactions

/// A binary Keccak-256 Merkle root (odd nodes are paired with themselves; empty is the
/// hash of nothing). Used for the header's transactions and receipts roots.
public enum KeccakMerkle {
    public static func root(_ leaves: [Hash32]) -> Hash32 {
        guard !leaves.isEmpty else { return Keccak256.hash([UInt8]()) }
        var level = leaves
        while level.count > 1 {
            var next = [Hash32]()
            next.reserveCapacity((level.count + 1) / 2)
            for index in stride(from: 0, to: level.count, by: 2) {
                let left = level[index]
                let right = index + 1 < level.count ? level[index + 1] : left
                var hasher = Keccak256()
                hasher.update(left)
                hasher.update(right)
                next.append(hasher.finalize())
            }
            level = next
        }
        return level[0]
    }
}
