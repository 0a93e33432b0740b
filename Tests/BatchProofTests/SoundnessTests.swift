import StarkCrypto
import StarkMath
import StateTree
import Testing

@testable import BatchProof
@testable import Stark

/// Semantic negatives: each witness breaks one rule of the batch statement. The debug
/// constraint checker must name the broken rule, and a cheating prover that skips the
/// check (`proveUnchecked`) must get a proof the verifier refuses.
///
/// The witnesses come from `BatchWitness.assemble`, the builder's unchecked back end, fed
/// operations the builder would refuse or altered by a `Tampering` hook; two slots (1024
/// rows, the shortest trace the light options fit).
@Suite struct SoundnessTests {
    struct Case: CustomStringConvertible {
        let description: String
        let witness: BatchWitness
        /// The public inputs the cheater claims (the witness's own unless a case changes them).
        let claimed: BatchPublicInputs
        /// A fragment of the name of the constraint the checker must report.
        let brokenRule: String
    }

    typealias F = Fixtures
    static let limbBase = Goldilocks(reducing: 1 << 62)

    static func transfer(
        _ from: [UInt8], _ to: [UInt8], _ asset: [UInt8], _ amount: UInt128
    ) -> PlannedOperation {
        PlannedOperation(kind: .transfer, fromKey: F.key(from, asset), toKey: F.key(to, asset), asset: F.asset(asset), amount: amount)
    }

    static func witness(
        _ operations: [PlannedOperation], deposits: Int = 0, withdrawals: Int = 0, tampering: BatchWitness.Tampering = .init(),
        state: BatchStateTree = Fixtures.genesis()
    ) throws -> BatchWitness {
        var list = operations
        while list.count < 2 { list.insert(.padding, at: list.count - withdrawals) }
        return try BatchWitness.assemble(
            number: 0x42_0017, slotCount: 2, depositCount: deposits, withdrawalCount: withdrawals, state: state,
            operations: list, tampering: tampering
        ).0
    }

    static let honestTransfer = transfer(F.alice, F.bob, F.native, F.amount1)

    static func cases() throws -> [Case] {
        var cases = [Case]()
        func add(_ description: String, _ witness: BatchWitness, claimed: BatchPublicInputs? = nil, _ rule: String) {
            cases.append(
                Case(description: description, witness: witness, claimed: claimed ?? witness.publicInputs, brokenRule: rule))
        }
        let range = "range accumulator equals"
        // Balances.
        add("overdraft (more than the whole balance)", try witness([transfer(F.alice, F.bob, F.native, F.aliceNative + 1)]), range)
        let lowLimb = F.aliceNative & ((1 << 62) - 1)
        // A low limb far below alice's, so an honest debit takes no borrow.
        let smallLow: UInt128 = 0x0000_0001_2345_6789_0000_0000_1234_5678
        add(
            "overdraft of the low limb without a borrow",
            try witness(
                [transfer(F.alice, F.bob, F.native, lowLimb + 5)],
                tampering: .init(update: { op, first, plan in
                    guard op == 0, first else { return }
                    plan.carry = .zero
                    plan.new.balanceLow = plan.old.balanceLow - AccountLeaf.limbs(lowLimb + 5).low
                    plan.new.balanceHigh = plan.old.balanceHigh
                })), range)
        add(
            "borrow taken when the low limb suffices (value moved between limbs)",
            try witness(
                [transfer(F.alice, F.bob, F.native, smallLow)],
                tampering: .init(update: { op, first, plan in
                    guard op == 0, first else { return }
                    plan.carry = .one
                    plan.new.balanceLow = plan.old.balanceLow - AccountLeaf.limbs(smallLow).low + limbBase
                    plan.new.balanceHigh = plan.old.balanceHigh - AccountLeaf.limbs(smallLow).high - .one
                })), range)
        add(
            "borrow recorded but not taken from the high limb",
            try witness(
                [transfer(F.alice, F.bob, F.native, lowLimb + 5)],
                tampering: .init(update: { op, first, plan in
                    guard op == 0, first else { return }
                    plan.new.balanceHigh = plan.new.balanceHigh + .one
                })), "balance high limb")
        let rich = try BatchStateTree.genesis(
            holdings: [(F.alice, F.native, F.aliceNative), (F.bob, F.native, AccountLeaf.balanceBound - 1_000)],
            supplies: [])
        add(
            "receiver balance wraps past 2^124",
            try witness([transfer(F.alice, F.bob, F.native, 1_000_000)], state: rich), range)
        var negative = honestTransfer
        negative.amountLow = Goldilocks(reducing: Goldilocks.modulus - 0x1_0000_0000)
        negative.amountHigh = .zero
        add("negative amount (p − x): the sender gains, the receiver pays", try witness([negative]), range)
        add(
            "nonce not incremented",
            try witness(
                [honestTransfer],
                tampering: .init(update: { op, first, plan in if op == 0, first { plan.new.nonce = plan.old.nonce } })),
            "nonce")
        add(
            "transfer creates value",
            try witness(
                [honestTransfer],
                tampering: .init(update: { op, first, plan in
                    if op == 0, !first { plan.new.balanceLow = plan.new.balanceLow + Goldilocks(reducing: 1_000) }
                })), "balance low limb")
        // Assets and keys.
        var crossAsset = honestTransfer
        crossAsset.toKey = F.key(F.carol, F.tokenB)
        add("transfer between two different assets", try witness([crossAsset]), "asset changes only on an empty leaf")
        var toSupply = transfer(F.alice, F.alice, F.tokenA, F.amount3)
        toSupply.toKey = F.asset(F.tokenA)
        add("transfer touching a supply leaf", try witness([toSupply]), "a holder key differs from the asset")
        let otherKey = F.key(F.dave, F.native)
        add(
            "key changed on a non-empty leaf",
            try witness(
                [honestTransfer],
                tampering: .init(
                    update: { op, first, plan in if op == 0, !first { plan.new.key = otherKey } },
                    operation: { op, operation in if op == 0 { operation.toKey = otherKey } })),
            "key changes only on an empty leaf")
        let mint = PlannedOperation(
            kind: .mint, fromKey: F.asset(F.tokenA), toKey: F.key(F.bob, F.tokenA), asset: F.asset(F.tokenA),
            amount: F.mintAmount)
        add(
            "mint that does not move the supply leaf",
            try witness(
                [mint],
                tampering: .init(update: { op, first, plan in
                    if op == 0, first {
                        plan.new = plan.old
                        plan.carry = .zero
                    }
                })), "balance low limb")
        let burn = PlannedOperation(
            kind: .burn, fromKey: F.key(F.alice, F.tokenA), toKey: F.asset(F.tokenA), asset: F.asset(F.tokenA),
            amount: F.burnAmount)
        add(
            "burn that does not move the supply leaf",
            try witness(
                [burn],
                tampering: .init(update: { op, first, plan in
                    if op == 0, !first {
                        plan.new = plan.old
                        plan.carry = .zero
                    }
                })), "balance low limb")
        var mintToHolder = mint
        mintToHolder.fromKey = F.key(F.alice, F.tokenA)
        add("mint crediting a holder leaf instead of the supply", try witness([mintToHolder]), "supply leaf's key")
        // Paths.
        add(
            "new path uses another sibling than the old path",
            try witness(
                [honestTransfer],
                tampering: .init(update: { op, first, plan in if op == 1, !first { plan.newPathSiblingMismatch = 5 } })),
            "new path")
        add(
            "debit applied to another account's slot",
            try witness([honestTransfer], tampering: .init(operation: { op, operation in if op == 0 { operation.from = 4 } })),
            "index equals the operation's slot")
        // Zones.
        let deposit = PlannedOperation(
            kind: .deposit, fromKey: F.key(F.erin, F.tokenB), toKey: F.key(F.erin, F.tokenB), asset: F.asset(F.tokenB),
            amount: F.amount2)
        add("deposit in the middle zone (credit without a public deposit)", try witness([deposit, .padding]), "no deposit outside")
        let withdrawal = PlannedOperation(
            kind: .withdrawal, fromKey: F.key(F.bob, F.native), toKey: F.key(F.bob, F.native), asset: F.asset(F.native),
            amount: F.amount2)
        add("withdrawal in the middle zone", try witness([.padding, withdrawal]), "no withdrawal outside")
        add(
            "deposit in the withdrawal zone", try witness([.padding, deposit], withdrawals: 1),
            "withdrawal zone holds only withdrawals")
        add("transfer in the deposit zone", try witness([honestTransfer, .padding], deposits: 1), "deposit zone holds only")
        // Public deposit and withdrawal lists.
        let deposited = try witness([deposit, .padding], deposits: 1)
        func claimDeposit(_ change: (DepositStatement) -> DepositStatement) -> BatchPublicInputs {
            let inputs = deposited.publicInputs
            return BatchPublicInputs(
                batchNumber: inputs.batchNumber, slotCount: inputs.slotCount, oldRoot: inputs.oldRoot,
                newRoot: inputs.newRoot, operationsCommitment: inputs.operationsCommitment,
                deposits: inputs.deposits.map(change))
        }
        add(
            "deposit amount differs from the public list", deposited,
            claimed: claimDeposit { .init(toKey: $0.toKey, asset: $0.asset, amount: $0.amount + 1) }, "boundary assertion")
        add(
            "deposit key differs from the public list", deposited,
            claimed: claimDeposit { .init(toKey: F.key(F.dave, F.tokenB), asset: $0.asset, amount: $0.amount) },
            "boundary assertion")
        add(
            "deposit asset differs from the public list", deposited,
            claimed: claimDeposit { .init(toKey: $0.toKey, asset: F.asset(F.native), amount: $0.amount) },
            "boundary assertion")
        let withdrawn = try witness([.padding, withdrawal], withdrawals: 1)
        func claimWithdrawal(_ change: (WithdrawalStatement) -> WithdrawalStatement) -> BatchPublicInputs {
            let inputs = withdrawn.publicInputs
            return BatchPublicInputs(
                batchNumber: inputs.batchNumber, slotCount: inputs.slotCount, oldRoot: inputs.oldRoot,
                newRoot: inputs.newRoot, operationsCommitment: inputs.operationsCommitment,
                withdrawals: inputs.withdrawals.map(change))
        }
        add(
            "withdrawal amount differs from the public list", withdrawn,
            claimed: claimWithdrawal { .init(asset: $0.asset, amount: $0.amount + (1 << 62)) }, "boundary assertion")
        add(
            "withdrawal asset differs from the public list", withdrawn,
            claimed: claimWithdrawal { .init(asset: F.asset(F.tokenA), amount: $0.amount) }, "boundary assertion")
        // Commitment and roots.
        add(
            "commitment absorbs another amount than the one applied",
            try witness(
                [honestTransfer],
                tampering: .init(committed: { operations in operations[0].amountLow = operations[0].amountLow + .one })),
            "operations commitment sponge")
        let honest = try witness([honestTransfer])
        let inputs = honest.publicInputs
        func claim(
            oldRoot: RPODigest? = nil, newRoot: RPODigest? = nil, commitment: RPODigest? = nil, number: UInt64? = nil
        ) -> BatchPublicInputs {
            BatchPublicInputs(
                batchNumber: number ?? inputs.batchNumber, slotCount: inputs.slotCount,
                oldRoot: oldRoot ?? inputs.oldRoot, newRoot: newRoot ?? inputs.newRoot,
                operationsCommitment: commitment ?? inputs.operationsCommitment)
        }
        add("wrong old root", honest, claimed: claim(oldRoot: RPODigest(1, 2, 3, 4)), "boundary assertion")
        add("wrong new root", honest, claimed: claim(newRoot: inputs.oldRoot), "boundary assertion")
        var otherOperations = honest.operations
        otherOperations[0].amountLow = otherOperations[0].amountLow + .one
        let otherCommitment = OperationsCommitment.compute(
            batchNumber: inputs.batchNumber, slotCount: inputs.slotCount, depositCount: 0, withdrawalCount: 0,
            salt: honest.salt, operations: otherOperations)
        add(
            "operations commitment of other operations", honest, claimed: claim(commitment: otherCommitment),
            "boundary assertion")
        add("another batch number", honest, claimed: claim(number: inputs.batchNumber + 1), "boundary assertion")
        return cases
    }

    static let caseCount = 30

    @Test func constraintCheckerNamesEachBrokenRule() throws {
        let cases = try Self.cases()
        #expect(cases.count == Self.caseCount)
        for entry in cases {
            let trace = try entry.witness.trace
            do {
                try ConstraintChecker.check(air: entry.witness.air, trace: trace, publicInputs: entry.claimed.elements)
                Issue.record("\(entry) passed the constraint checker")
            } catch {
                guard case .constraintViolated(let constraint, _) = error else {
                    Issue.record("\(entry): unexpected \(error)")
                    continue
                }
                #expect(constraint.contains(entry.brokenRule), "\(entry): \(constraint)")
            }
        }
    }

    /// One test per case so that the proofs run in parallel.
    @Test(arguments: 0..<30) func cheatingProverProofIsRejected(caseIndex: Int) throws {
        let entry = try Self.cases()[caseIndex]
        let proof = try StarkProver.proveUnchecked(
            air: entry.witness.air, trace: try entry.witness.trace, publicInputs: entry.claimed.elements,
            options: Fixtures.lightOptions)
        #expect(throws: BatchProofError.self, "\(entry) was accepted") {
            try BatchVerifier.verify(proof: proof, publicInputs: entry.claimed, minimum: Fixtures.testMinimum)
        }
    }

    @Test func honestProofDoesNotVerifyForOtherPublicInputs() throws {
        let witness = try Self.witness([Self.honestTransfer])
        let proof = try BatchProver.prove(witness: witness, options: Fixtures.lightOptions)
        try BatchVerifier.verify(proof: proof, publicInputs: witness.publicInputs, minimum: Fixtures.testMinimum)
        let inputs = witness.publicInputs
        let variants = [
            BatchPublicInputs(
                batchNumber: inputs.batchNumber + 1, slotCount: inputs.slotCount, oldRoot: inputs.oldRoot,
                newRoot: inputs.newRoot, operationsCommitment: inputs.operationsCommitment),
            BatchPublicInputs(
                batchNumber: inputs.batchNumber, slotCount: 8, oldRoot: inputs.oldRoot, newRoot: inputs.newRoot,
                operationsCommitment: inputs.operationsCommitment),
            BatchPublicInputs(
                batchNumber: inputs.batchNumber, slotCount: inputs.slotCount, oldRoot: inputs.newRoot,
                newRoot: inputs.oldRoot, operationsCommitment: inputs.operationsCommitment),
            BatchPublicInputs(
                batchNumber: inputs.batchNumber, slotCount: inputs.slotCount, oldRoot: inputs.oldRoot,
                newRoot: inputs.newRoot, operationsCommitment: inputs.oldRoot),
            BatchPublicInputs(
                batchNumber: inputs.batchNumber, slotCount: inputs.slotCount, oldRoot: inputs.oldRoot,
                newRoot: inputs.newRoot, operationsCommitment: inputs.operationsCommitment,
                withdrawals: [WithdrawalStatement(asset: Fixtures.asset(Fixtures.native), amount: 1)]),
        ]
        for variant in variants {
            #expect(throws: BatchProofError.self) {
                try BatchVerifier.verify(proof: proof, publicInputs: variant, minimum: Fixtures.testMinimum)
            }
        }
    }
}
