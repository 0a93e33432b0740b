import StarkCrypto
import StarkMath

/// The v3 operations commitment: a Merkle tree over salted operation leaves, so that one
/// operation can be disclosed (its fields, salt and path) without the others.
///
/// Leaf i = lanes 4…7 of one RPO permutation of `[salt (3), batch number ‖ kind, from, to,
/// amountLow, amountHigh, fromKey, toKey, asset]` (``BatchOperation/fields``); node =
/// `RPO256.merge(left, right)`; S leaves (a power of two), so the commitment is the root
/// at level log₂ S. The three salt elements per leaf come from the witness randomness:
/// they hide the operation (192 bits), and the batch number binds a disclosed leaf to its
/// batch.
public enum OperationsTree {
    public static let saltCount = 3

    public static func leaf(batchNumber: UInt64, salt: [Goldilocks], operation: BatchOperation) -> RPODigest {
        var state = leafInput(batchNumber: batchNumber, salt: salt, operation: operation)
        RPO256.permute(&state)
        return state.digest
    }

    static func leafInput(batchNumber: UInt64, salt: [Goldilocks], operation: BatchOperation) -> RPOState {
        precondition(salt.count == saltCount, "an operation leaf has \(saltCount) salt elements")
        return RPOState(salt + [Goldilocks(reducing: batchNumber)] + operation.fields)
    }

    /// Every level of the tree, leaves first (the last level holds the root alone).
    public static func levels(leaves: [RPODigest]) -> [[RPODigest]] {
        precondition(!leaves.isEmpty && leaves.count & (leaves.count - 1) == 0, "a power-of-two number of leaves")
        var levels = [leaves]
        while levels.last!.count > 1 {
            let level = levels.last!
            levels.append((0..<(level.count / 2)).map { RPO256.merge(level[2 * $0], level[2 * $0 + 1]) })
        }
        return levels
    }

    /// The commitment to `operations` (S of them, a power of two) with their salts.
    public static func root(batchNumber: UInt64, salts: [[Goldilocks]], operations: [BatchOperation]) -> RPODigest {
        let leaves = zip(salts, operations).map { leaf(batchNumber: batchNumber, salt: $0, operation: $1) }
        return levels(leaves: leaves).last![0]
    }
}
