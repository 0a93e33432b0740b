import StarkCrypto
import StarkMath
import StateTree

@testable import BatchProof
@testable import Stark

/// States and batches for the v3 tests: an `AccountTree` applies the operations (as the
/// node does) and the witness is built from its `TreeUpdate` with the same randomness.
enum V3Fixtures {
    typealias F = Fixtures
    static let seed = [UInt8](repeating: 0x5A, count: 32)

    static func randomness(_ label: String) -> WitnessRandomness { try! .seeded(seed, label: label) }

    static func genesis() -> AccountTree {
        try! AccountTree.genesis(
            holdings: [
                (F.alice, F.native, F.aliceNative), (F.bob, F.native, F.bobNative), (F.alice, F.tokenA, F.aliceTokenA),
                (F.carol, F.tokenB, F.carolTokenB),
            ],
            supplies: [(F.tokenA, F.supplyA), (F.tokenB, F.supplyB)], randomness: randomness("genesis"))
    }

    static func transfer(_ from: [UInt8], _ to: [UInt8], _ asset: [UInt8], _ amount: UInt128) -> LeafOperation {
        LeafOperation(kind: .transfer, fromKey: F.key(from, asset), toKey: F.key(to, asset), asset: F.asset(asset), amount: amount)
    }

    /// Every kind: two deposits, transfers in two assets (one creating a leaf), a mint, a
    /// burn, a self-transfer, a withdrawal (deposits first, withdrawals last, as proof order).
    static func mixedOperations() -> [LeafOperation] {
        let deposit1 = LeafOperation(
            kind: .deposit, fromKey: F.key(F.erin, F.tokenB), toKey: F.key(F.erin, F.tokenB), asset: F.asset(F.tokenB),
            amount: F.amount2)
        let deposit2 = LeafOperation(
            kind: .deposit, fromKey: F.key(F.dave, F.native), toKey: F.key(F.dave, F.native), asset: F.asset(F.native),
            amount: F.amount3)
        let mint = LeafOperation(
            kind: .mint, fromKey: F.asset(F.tokenA), toKey: F.key(F.bob, F.tokenA), asset: F.asset(F.tokenA),
            amount: F.mintAmount)
        let burn = LeafOperation(
            kind: .burn, fromKey: F.key(F.alice, F.tokenA), toKey: F.asset(F.tokenA), asset: F.asset(F.tokenA),
            amount: F.burnAmount)
        let withdrawal = LeafOperation(
            kind: .withdrawal, fromKey: F.key(F.bob, F.native), toKey: F.key(F.bob, F.native), asset: F.asset(F.native),
            amount: F.amount3)
        return [
            deposit1, deposit2, transfer(F.alice, F.bob, F.native, F.amount1), mint,
            transfer(F.dave, F.carol, F.native, F.amount3 / 2), burn, transfer(F.bob, F.bob, F.native, F.amount2),
            transfer(F.carol, F.erin, F.tokenB, F.amount2), withdrawal,
        ]
    }

    /// Applies `operations` to `tree` and builds the v3 witness of the batch.
    static func witness(
        _ operations: [LeafOperation], number: UInt64 = 0x42_0017, tree: AccountTree = genesis(),
        minimumOperations: Int = 1, layout: Int? = nil
    ) throws -> (BatchWitnessV3, AccountTree) {
        let (witness, tree, _) = try witnessAndUpdate(
            operations, number: number, tree: tree, minimumOperations: minimumOperations, layout: layout)
        return (witness, tree)
    }

    static func witnessAndUpdate(
        _ operations: [LeafOperation], number: UInt64 = 0x42_0017, tree: AccountTree = genesis(),
        minimumOperations: Int = 1, layout: Int? = nil
    ) throws -> (BatchWitnessV3, AccountTree, TreeUpdate) {
        var tree = tree
        var random = randomness("batch \(number)")
        let (update, _) = try tree.apply(operations, randomness: &random)
        let witness = try BatchWitnessV3.make(
            number: number, update: update, randomness: randomness("batch \(number)"),
            minimumOperations: minimumOperations, layout: layout)
        return (witness, tree, update)
    }
}
