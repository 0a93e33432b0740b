import StarkCrypto
import StarkMath
import Testing

@testable import BatchProof
@testable import Stark

/// Semantic negatives: each witness breaks one rule of the batch statement. The debug
/// constraint checker must name the broken rule, and a cheating prover that skips the
/// check (`proveUnchecked`) must get a proof the verifier refuses.
@Suite struct SoundnessTests {
    struct Case: CustomStringConvertible {
        let description: String
        let witness: BatchWitness
        /// The public inputs the cheater claims (the witness's own unless a test changes them).
        let claimed: BatchPublicInputs
        /// A fragment of the name of the constraint the checker must report.
        let brokenRule: String
    }

    static func richReceiverTree() -> SparseAccountTree {
        var leaves = [Int: RPODigest]()
        leaves[0] = AccountLeaf(balance: 0x0FFF_0000_1234_5678, nonce: 3, key: 0x1234_5678_9ABC, blinding: 11).digest
        leaves[1] = AccountLeaf(balance: 0x7FF0_0000_0000_0000, nonce: 5, key: 0x2345_6789_ABCD, blinding: 12).digest
        return SparseAccountTree(leaves: leaves)
    }

    /// Two transfers in two slots (1024 rows): the shortest trace the light options fit.
    static let transfers = Array(Fixtures.transfers.prefix(2))

    static func witness(
        _ transfers: [Transfer] = transfers, tampering: BatchWitness.Tampering = .none,
        tree: SparseAccountTree = Fixtures.tree()
    ) throws -> BatchWitness {
        try Fixtures.witness(transfers, slots: 2, tampering: tampering, tree: tree)
    }

    static func cases() throws -> [Case] {
        var cases = [Case]()
        func add(_ description: String, _ witness: BatchWitness, claimed: BatchPublicInputs? = nil, _ rule: String) {
            cases.append(
                Case(
                    description: description, witness: witness, claimed: claimed ?? witness.publicInputs,
                    brokenRule: rule))
        }
        let balance = Fixtures.accounts[0].balance
        add(
            "overdraft",
            try witness([Transfer(from: 0, to: 1, amount: balance + 1)], tampering: .skipValidation),
            "range accumulator equals")
        add(
            "negative amount (p − x): the sender gains, the receiver pays",
            try witness(
                [Transfer(from: 0, to: 1, amount: Goldilocks.modulus - 0x1_0000_0000)], tampering: .skipValidation),
            "range accumulator equals")
        add(
            "receiver balance wraps past 2^63",
            try witness(
                [Transfer(from: 0, to: 1, amount: 0x0FF0_0000_0000_0000)], tampering: .skipValidation,
                tree: richReceiverTree()),
            "range accumulator equals")
        add("nonce not incremented", try witness(tampering: .nonceNotIncremented), "nonce")
        add("transfer creates value", try witness(tampering: .creditExtra(1_000)), "balance")
        add(
            "new path uses another sibling than the old path",
            try witness(tampering: .newPathSiblingMismatch(level: 5)), "new path")
        add(
            "debit applied to another account's slot",
            try witness(tampering: .debitSlot(4)), "index equals the operation's slot")
        add(
            "commitment absorbs another amount than the one applied",
            try witness(tampering: .commitAmountDelta(1)), "operations commitment sponge")

        let honest = try witness()
        let inputs = honest.publicInputs
        func claim(
            oldRoot: RPODigest? = nil, newRoot: RPODigest? = nil, commitment: RPODigest? = nil, number: UInt64? = nil
        ) -> BatchPublicInputs {
            BatchPublicInputs(
                batchNumber: number ?? inputs.batchNumber, slotCount: inputs.slotCount,
                oldRoot: oldRoot ?? inputs.oldRoot, newRoot: newRoot ?? inputs.newRoot,
                operationsCommitment: commitment ?? inputs.operationsCommitment)
        }
        let other = RPODigest(1, 2, 3, 4)
        add("wrong old root", honest, claimed: claim(oldRoot: other), "boundary assertion")
        add("wrong new root", honest, claimed: claim(newRoot: inputs.oldRoot), "boundary assertion")
        var otherOperations = honest.operations
        let first = otherOperations[0]
        otherOperations[0] = BatchOperation(
            kind: first.kind, from: first.from, to: first.to, amount: first.amount + 1, fromKey: first.fromKey,
            toKey: first.toKey, senderNonce: first.senderNonce)
        let otherCommitment = OperationsCommitment.compute(
            batchNumber: inputs.batchNumber, slotCount: inputs.slotCount, salt: honest.salt,
            operations: otherOperations)
        add(
            "operations commitment of other operations", honest, claimed: claim(commitment: otherCommitment),
            "boundary assertion")
        add("another batch number", honest, claimed: claim(number: inputs.batchNumber + 1), "boundary assertion")
        return cases
    }

    @Test func constraintCheckerNamesEachBrokenRule() throws {
        for entry in try Self.cases() {
            do {
                try ConstraintChecker.check(
                    air: entry.witness.air, trace: entry.witness.trace, publicInputs: entry.claimed.elements)
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
    @Test(arguments: 0..<12) func cheatingProverProofIsRejected(caseIndex: Int) throws {
        let cases = try Self.cases()
        #expect(cases.count == 12)
        do {
            let entry = cases[caseIndex]
            let proof = try StarkProver.proveUnchecked(
                air: entry.witness.air, trace: entry.witness.trace, publicInputs: entry.claimed.elements,
                options: Fixtures.lightOptions)
            #expect(throws: BatchProofError.self, "\(entry) was accepted") {
                try BatchVerifier.verify(proof: proof, publicInputs: entry.claimed, minimum: Fixtures.testMinimum)
            }
        }
    }

    @Test func honestProofDoesNotVerifyForOtherPublicInputs() throws {
        let witness = try Fixtures.witness()
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
        ]
        for variant in variants {
            #expect(throws: BatchProofError.self) {
                try BatchVerifier.verify(proof: proof, publicInputs: variant, minimum: Fixtures.testMinimum)
            }
        }
    }
}
