import StarkCrypto
import StarkMath
import StateTree
import Testing

@testable import BatchProof
@testable import Stark

@Suite struct WitnessTests {
    typealias F = Fixtures

    @Test func bulkGenesisWritesTheSameTreeAsLeafByLeafWrites() throws {
        let native = [UInt8](repeating: 0, count: 20)
        let token = [UInt8](repeating: 0xE0, count: 20)
        var holdings: [(account: [UInt8], asset: [UInt8], balance: UInt128)] = []
        for index in 0..<64 {
            var account = [UInt8](repeating: 0, count: 20)
            account[0] = 0xA0
            account[18] = UInt8(index >> 8)
            account[19] = UInt8(index & 0xFF)
            holdings.append((account, index % 3 == 0 ? token : native, UInt128(index + 1) << 70))
        }
        let seed = [UInt8](repeating: 7, count: 32)
        let bulk = try BatchStateTree.genesis(
            holdings: holdings, supplies: [(asset: token, supply: 1 << 100)], randomness: .seeded(seed, label: "genesis"))
        // The same leaves written one at a time, each updating its 31 ancestors.
        var single = BatchStateTree()
        for slot in 0..<bulk.nextSlot {
            _ = try single.assignSlot(key: bulk.leaf(at: slot).key)
            single.setLeaf(bulk.leaf(at: slot), at: slot)
        }
        #expect(single.root == bulk.root)
        for slot in [0, 1, 40, 64, bulk.nextSlot, BatchStateTree.paddingSlot] {
            #expect(single.siblings(of: slot) == bulk.siblings(of: slot), "slot \(slot)")
        }
        // Later writes go on from the bulk-built tree like from any other.
        var a = bulk, b = single
        a.setLeaf(AccountLeaf.empty, at: 7)
        b.setLeaf(AccountLeaf.empty, at: 7)
        #expect(a.root == b.root && a.root != bulk.root)
    }

    @Test func treeMatchesTheRPOMerkleConventions() throws {
        let tree = F.genesis()
        for slot in [0, 3, 5, 6, BatchStateTree.paddingSlot] {
            let root = RPOMerkle.root(
                fromLeaf: tree.leaf(at: slot).digest, index: UInt64(slot), siblings: tree.siblings(of: slot))
            #expect(root == tree.root)
        }
        #expect(BatchStateTree().root == BatchStateTree.emptySubtreeRoots[31])
        #expect(AccountLeaf.emptyDigest == RPO256.hashElements([Goldilocks](repeating: .zero, count: 6)))
        #expect(BatchStateTree.emptySubtreeRoots[0] == AccountLeaf.emptyDigest)
        // Supplies are registered first, then holders, in order.
        #expect(tree.slot(ofKey: F.asset(F.tokenA)) == 0)
        #expect(tree.slot(ofKey: F.asset(F.tokenB)) == 1)
        #expect(tree.slot(ofKey: F.key(F.alice, F.native)) == 2)
        #expect(tree.nextSlot == 6)
        #expect(tree.balance(account: F.alice, asset: F.native) == F.aliceNative)
        #expect(tree.supply(asset: F.tokenA) == F.supplyA)
        let leaf = tree.leaf(at: 2)
        #expect(leaf.asset == F.asset(F.native))
        #expect(leaf.nonce == .zero)
    }

    @Test func identifiersAreDomainSeparatedAndNonZero() {
        #expect(F.asset(F.native) != F.key(F.native, F.native))
        #expect(!F.asset(F.native).isZero)
        #expect(F.asset(F.tokenA) != F.asset(F.tokenB))
        #expect(F.key(F.alice, F.tokenA) != F.key(F.alice, F.tokenB))
    }

    /// A node rebuilds its tree after a restart: the same seed and label give the same
    /// blindings and salt, hence the same roots and commitment; any other seed or label,
    /// or the CSPRNG, gives others.
    @Test func seededWitnessesAreReproducibleAndSeedsAreKeptApart() throws {
        let seed = [UInt8](repeating: 0x5A, count: 32)
        func build(_ seed: [UInt8], genesisLabel: String = "genesis", batchLabel: String = "batch 1") throws -> BatchWitness {
            let holdings: [(account: [UInt8], asset: [UInt8], balance: UInt128)] = [
                (F.alice, F.native, F.aliceNative), (F.bob, F.native, F.bobNative), (F.carol, F.tokenB, F.carolTokenB),
            ]
            let state = try BatchStateTree.genesis(
                holdings: holdings, supplies: [], randomness: try .seeded(seed, label: genesisLabel))
            var builder = BatchBuilder(number: 1, state: state, randomness: try .seeded(seed, label: batchLabel))
            try builder.transfer(from: F.alice, to: F.bob, asset: F.native, amount: F.amount1)
            return try builder.witness().0
        }
        let first = try build(seed)
        let again = try build(seed)
        #expect(again.publicInputs == first.publicInputs)
        #expect(again.salt == first.salt)
        #expect(try again.trace.columns == first.trace.columns)

        var otherSeed = seed
        otherSeed[31] ^= 1
        let variants = [
            try build(otherSeed), try build(seed, genesisLabel: "genesis2"), try build(seed, batchLabel: "batch 2"),
        ]
        for variant in variants { #expect(variant.publicInputs.newRoot != first.publicInputs.newRoot) }
        // The salt comes from the batch's randomness; the genesis label changes only the tree.
        #expect(variants[0].publicInputs.operationsCommitment != first.publicInputs.operationsCommitment)
        #expect(variants[1].publicInputs.operationsCommitment == first.publicInputs.operationsCommitment)
        #expect(variants[2].publicInputs.operationsCommitment != first.publicInputs.operationsCommitment)
        #expect(variants[1].publicInputs.oldRoot != first.publicInputs.oldRoot)
        #expect(variants[2].publicInputs.oldRoot == first.publicInputs.oldRoot)
        // Unseeded trees differ run to run.
        let holdings: [(account: [UInt8], asset: [UInt8], balance: UInt128)] = [(F.alice, F.native, 1)]
        #expect(
            try BatchStateTree.genesis(holdings: holdings, supplies: []).root
                != BatchStateTree.genesis(holdings: holdings, supplies: []).root)
        #expect(throws: AccountTreeError.self) { try WitnessRandomness.seeded([1, 2, 3], label: "genesis") }
    }

    @Test func transferBatchSatisfiesTheConstraints() throws {
        let (witness, _) = try F.transferBuilder().witness()
        #expect(witness.publicInputs.slotCount == 4)
        try ConstraintChecker.check(air: witness.air, trace: try witness.trace, publicInputs: witness.publicInputs.elements)
    }

    @Test func mixedBatchSatisfiesTheConstraintsAndIsLaidOutByZone() throws {
        let builder = try F.mixedBuilder()
        let (witness, newState) = try builder.witness()
        let kinds = witness.operations.map(\.kind)
        #expect(witness.publicInputs.slotCount == 8)
        #expect(kinds == [.deposit, .deposit, .transfer, .mint, .burn, .transfer, .withdrawal, .withdrawal])
        let padded = try builder.witness(minimumSlots: 16).0.operations.map(\.kind)
        #expect(Array(padded[6..<14]) == Array(repeating: .padding, count: 8))
        #expect(Array(padded.suffix(2)) == [.withdrawal, .withdrawal])
        #expect(witness.publicInputs.deposits.map(\.amount) == F.deposits.map { F.amount($0.amount) })
        #expect(witness.publicInputs.withdrawals.map(\.amount) == F.withdrawals(batch: 7).map { F.amount($0.amount) })
        try ConstraintChecker.check(air: witness.air, trace: try witness.trace, publicInputs: witness.publicInputs.elements)
        #expect(witness.publicInputs.newRoot == newState.root)
        // Balances after the batch: the refunded deposit nets to zero, supplies move with mint and burn.
        #expect(newState.balance(account: F.dave, asset: F.native) == 0)
        #expect(newState.balance(account: F.erin, asset: F.tokenB) == F.amount(F.deposits[0].amount))
        #expect(newState.balance(account: F.dave, asset: F.tokenA) == F.mintAmount - F.amount3)
        #expect(newState.balance(account: F.erin, asset: F.tokenA) == F.amount3)
        #expect(newState.supply(asset: F.tokenA) == F.supplyA + F.mintAmount - F.burnAmount)
        #expect(newState.balance(account: F.alice, asset: F.tokenA) == F.aliceTokenA - F.burnAmount)
        #expect(
            newState.balance(account: F.bob, asset: F.native)
                == F.bobNative + F.amount1 - F.amount(F.withdrawals(batch: 7)[1].amount))
        // The builder's own state is untouched (value semantics).
        #expect(builder.state.root == witness.publicInputs.oldRoot)
        #expect(builder.state.balance(account: F.bob, asset: F.native) == F.bobNative)
    }

    @Test func witnessAdvancesTheTreeToTheNewRoot() throws {
        let state = F.genesis()
        let (witness, newState) = try F.transferBuilder(state: state).witness()
        #expect(witness.publicInputs.oldRoot == state.root)
        #expect(witness.publicInputs.newRoot == newState.root)
        let slot = try #require(state.slot(ofKey: F.key(F.alice, F.native)))
        let before = state.leaf(at: slot)
        let after = newState.leaf(at: slot)
        #expect(after.nonce == before.nonce + .one)
        #expect(after.balance == F.aliceNative - F.amount1)
        #expect(after.key == before.key)
        #expect(after.blinding != before.blinding)
        let carol = try #require(state.slot(ofKey: F.key(F.carol, F.tokenB)))
        #expect(newState.leaf(at: carol) == state.leaf(at: carol))
        // Dave had no leaf: the credit created one in the next slot.
        #expect(newState.slot(ofKey: F.key(F.dave, F.native)) == state.nextSlot)
        #expect(newState.balance(account: F.dave, asset: F.native) == F.amount2)
        #expect(state.slot(ofKey: F.key(F.dave, F.native)) == nil)
    }

    @Test func operationsCommitmentMatchesTheAuditorsRecomputation() throws {
        let (witness, _) = try F.mixedBuilder().witness()
        let inputs = witness.publicInputs
        let recomputed = OperationsCommitment.compute(
            batchNumber: inputs.batchNumber, slotCount: inputs.slotCount, depositCount: inputs.deposits.count,
            withdrawalCount: inputs.withdrawals.count, salt: witness.salt, operations: witness.operations)
        #expect(recomputed == inputs.operationsCommitment)
    }

    @Test func onlyPaddingLeavesTheRootUnchanged() throws {
        let (witness, newState) = try BatchBuilder(number: 3, state: F.genesis()).witness(minimumSlots: 2)
        #expect(witness.publicInputs.slotCount == 2)
        #expect(witness.publicInputs.newRoot == witness.publicInputs.oldRoot)
        #expect(newState.root == witness.publicInputs.oldRoot)
        try ConstraintChecker.check(air: witness.air, trace: try witness.trace, publicInputs: witness.publicInputs.elements)
    }

    @Test func selfTransferKeepsTheBalanceAndBumpsTheNonce() throws {
        var builder = BatchBuilder(number: 1, state: F.genesis())
        try builder.transfer(from: F.bob, to: F.bob, asset: F.native, amount: 1_000_000)
        let (witness, newState) = try builder.witness(minimumSlots: 2)
        try ConstraintChecker.check(air: witness.air, trace: try witness.trace, publicInputs: witness.publicInputs.elements)
        let leaf = try #require(newState.leaf(forKey: F.key(F.bob, F.native)))
        #expect(leaf.balance == F.bobNative)
        #expect(leaf.nonce == .one)
    }

    @Test func invalidOperationsAreRefusedAndLeaveTheBuilderUnchanged() throws {
        var builder = BatchBuilder(number: 1, state: F.genesis())
        try builder.transfer(from: F.alice, to: F.dave, asset: F.native, amount: 10)
        let big = AccountLeaf.balanceBound
        let cases: [(String, (inout BatchBuilder) throws(BatchProofError) -> Void, BatchProofError)] = [
            (
                "overdraft", { (b: inout BatchBuilder) throws(BatchProofError) in
                    try b.transfer(from: F.alice, to: F.bob, asset: F.native, amount: F.aliceNative)
                },
                .insufficientBalance(
                    holder: Holder.account(F.alice, asset: F.native).description, balance: F.aliceNative - 10,
                    amount: F.aliceNative)
            ),
            (
                "amount of 2^124", { (b: inout BatchBuilder) throws(BatchProofError) in
                    try b.transfer(from: F.alice, to: F.bob, asset: F.native, amount: big)
                }, .amountOutOfRange(big)
            ),
            (
                "unknown sender", { (b: inout BatchBuilder) throws(BatchProofError) in
                    try b.transfer(from: F.erin, to: F.bob, asset: F.native, amount: 0)
                }, .unknownAccount(holder: Holder.account(F.erin, asset: F.native).description)
            ),
            (
                "short address", { (b: inout BatchBuilder) throws(BatchProofError) in
                    try b.withdraw(from: [1, 2, 3], asset: F.native, amount: 1)
                }, .invalidAddress(what: "account", byteCount: 3)
            ),
            (
                "burn above the supply", { (b: inout BatchBuilder) throws(BatchProofError) in
                    try b.burn(from: F.carol, asset: F.tokenB, amount: F.carolTokenB)
                },
                .insufficientBalance(
                    holder: Holder.supply(F.tokenB).description, balance: F.supplyB, amount: F.carolTokenB)
            ),
            (
                "mint past 2^124", { (b: inout BatchBuilder) throws(BatchProofError) in
                    try b.mint(to: F.bob, asset: F.tokenA, amount: big - F.supplyA)
                }, .balanceOverflow(holder: Holder.supply(F.tokenA).description, balance: F.supplyA, amount: big - F.supplyA)
            ),
            (
                "deposit past 2^124", { (b: inout BatchBuilder) throws(BatchProofError) in
                    try b.deposit(account: F.bob, asset: F.native, amount: big - F.bobNative)
                },
                .balanceOverflow(
                    holder: Holder.account(F.bob, asset: F.native).description, balance: F.bobNative,
                    amount: big - F.bobNative)
            ),
        ]
        for (name, operation, expected) in cases {
            var copy = builder
            #expect(throws: expected, "\(name)") { try operation(&copy) }
            #expect(copy.operationCount == 1, "\(name)")
            #expect(expected.description.count > 20)
        }
        // The refused burn left the (already debited) holder unchanged too: carol can still spend all of tokenB.
        try builder.transfer(from: F.carol, to: F.bob, asset: F.tokenB, amount: F.carolTokenB)
        #expect(builder.operationCount == 2)
    }

    @Test func tooManyDepositsForOneProofAreRefusedWithAReason() throws {
        var builder = BatchBuilder(number: 1, state: F.genesis())
        for index in 0..<1_020 {
            try builder.deposit(account: F.address(UInt8(index % 200)), asset: index < 200 ? F.native : F.tokenA, amount: 1)
        }
        do {
            _ = try builder.witness()
            Issue.record("1020 deposits were accepted for one proof")
        } catch {
            guard case .invalidStatement(let reason) = error else { throw error }
            #expect(reason.contains("split the batch"))
        }
    }

    @Test func genesisRefusesDuplicatesAndBadAmounts() {
        #expect(throws: BatchProofError.self) {
            try BatchStateTree.genesis(
                holdings: [(F.alice, F.native, 1), (F.alice, F.native, 2)], supplies: [])
        }
        #expect(throws: BatchProofError.amountOutOfRange(AccountLeaf.balanceBound)) {
            try BatchStateTree.genesis(holdings: [(F.alice, F.native, AccountLeaf.balanceBound)], supplies: [])
        }
    }
}
