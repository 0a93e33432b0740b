import StarkCrypto
import StarkMath
import StateTree
import Testing

/// A disclosure proves a balance at an older batch than the tree's newest: the path the tree
/// computes "before these updates" must be the path the tree had then.
@Suite struct AccountTreeHistoryTests {
    @Test func pathBeforeLaterBatchesEqualsThePathTheTreeHadThen() throws {
        var randomness = WitnessRandomness.system
        var tree = AccountTree()
        _ = try tree.apply((1...40).map { deposit($0, 1_000) }, randomness: &randomness)
        var snapshots = [tree]
        var updates = [TreeUpdate]()
        var generator = SystemRandomNumberGenerator()
        for batch in 0..<5 {
            // Transfers among the first accounts and to new ones (slots assigned by the batch).
            var operations = (0..<30).map { _ in
                transfer(Int.random(in: 1...40, using: &generator), Int.random(in: 1...(60 + 10 * batch), using: &generator), 1)
            }
            operations.insert(deposit(100 + batch, 5), at: 0)
            let (update, _) = try tree.apply(operations, randomness: &randomness)
            updates.append(update)
            snapshots.append(tree)
        }
        for (index, snapshot) in snapshots.enumerated() {
            let later = Array(updates[index...])
            for slot in [0, 1, 17, 39, 40, 45, 63, snapshot.count - 1, snapshot.count, tree.count - 1, 1_000] {
                let path = tree.path(of: slot, before: later)
                #expect(path.root == snapshot.root, "root before \(later.count) updates")
                #expect(path.leaf == snapshot.leaf(at: slot), "slot \(slot) before \(later.count) updates")
                #expect(path.siblings == snapshot.siblings(of: slot), "slot \(slot) before \(later.count) updates")
                #expect(path.isValid)
            }
        }
    }

    @Test func aPathWithAnyFieldOrSiblingChangedNoLongerReachesTheRoot() throws {
        var randomness = WitnessRandomness.system
        var tree = AccountTree()
        _ = try tree.apply((1...9).map { deposit($0, UInt128($0) * 10) }, randomness: &randomness)
        let path = tree.path(of: 4, before: [])
        #expect(path.isValid)
        for field in 0..<6 {
            var fields = path.leaf.fields
            fields[field] = fields[field] + .one
            var tampered = path
            tampered.leaf = AccountLeaf(fields: fields)
            #expect(!tampered.isValid, "field \(field)")
        }
        for level in [0, 3, 30] {
            var tampered = path
            tampered.siblings[level] = RPODigest(.one, .zero, .zero, .zero)
            #expect(!tampered.isValid, "sibling \(level)")
        }
        var moved = path
        moved.slot = 5
        #expect(!moved.isValid)
    }
}
