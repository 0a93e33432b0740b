import Foundation
import Primitives
import Settlement
import StarkCrypto
import StarkMath
import Testing

/// The pure definitions node, L1 and AIR share: batch hash, deposit hash, withdrawal tree.
struct BridgeHashTests {
    static let deposits = [
        Deposit(queueIndex: 0, recipient: .test(0xB1), asset: .zero, amount: 1_000, sender: .test(0xE1)),
        Deposit(queueIndex: 1, recipient: .test(0xB2), asset: .test(0xC0), amount: UInt256.max, sender: .test(0xE2)),
    ]

    @Test func batchHashIsSHA256OfTagAndCanonicalFields() {
        let batch = L1Fixture.batch(after: nil)
        #expect(batch.canonicalEncoding.count == 8 * 32 + 5 * 8)
        #expect(batch.batchHash == SHA256.hash(Array("cloister/batch-commitment/v1".utf8) + batch.canonicalEncoding))
        #expect(batch.batchHash == batch.computeHash())
        #expect(throws: Never.self) { try batch.validate() }
    }

    @Test func batchHashChangesWithEveryField() throws {
        let base = L1Fixture.batch(after: nil)
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(base)) as! [String: Any]
        /// The hash of the fields after one change (`computeHash` ignores the sent batchHash).
        func hash(changing field: String, to value: Any) throws -> Hash32 {
            var changed = object
            changed[field] = value
            let data = try JSONSerialization.data(withJSONObject: changed)
            return try JSONDecoder().decode(BatchCommitment.self, from: data).computeHash()
        }
        let digestFields = [
            "previousStateRoot", "newStateRoot", "operationsCommitment", "depositHash", "withdrawalsRoot", "policyHash",
            "auditLogHead", "previousBatchHash",
        ]
        let numberFields = ["batchNumber", "depositCount", "firstDepositIndex", "withdrawalCount", "timestamp"]
        var hashes: Set<Hash32> = [base.batchHash]
        for field in digestFields {
            hashes.insert(try hash(changing: field, to: "0x" + String(repeating: "5", count: 64)))
        }
        for field in numberFields { hashes.insert(try hash(changing: field, to: 999)) }
        #expect(hashes.count == 1 + digestFields.count + numberFields.count)
        #expect(try hash(changing: "batchHash", to: Hash32.zero.hex) == base.batchHash)
    }

    @Test func validationRefusesAHashThatDoesNotMatchTheFields() {
        let lying = L1Fixture.batch(after: nil).withHash(.zero)
        #expect {
            try lying.validate()
        } throws: { error in
            (error as? SettlementError)?.kind == .invalidInput
                && (error as? SettlementError)?.message.contains("does not match the hash of its fields") == true
        }
    }

    @Test func commitmentJSONRoundTripKeepsEveryFieldAndTheHash() throws {
        let batch = L1Fixture.batch(after: L1Fixture.batch(after: nil), deposits: Self.deposits)
        let decoded = try JSONDecoder().decode(BatchCommitment.self, from: JSONEncoder().encode(batch))
        #expect(decoded == batch)
        #expect(decoded.computeHash() == batch.batchHash)
    }

    @Test func fieldEncodingSplitsValuesIntoLeastSignificantFirst32BitLimbs() throws {
        let address = try Address(hex: "0x0102030405060708090a0b0c0d0e0f1011121314")
        #expect(
            FieldEncoding.limbs(address).map(\.value) == [
                0x1112_1314, 0x0D0E_0F10, 0x090A_0B0C, 0x0506_0708, 0x0102_0304,
            ])
        #expect(
            FieldEncoding.limbs(UInt256(words: (0x1_0000_0002, 3, 0, 1 << 63))).map(\.value) == [
                2, 1, 3, 0, 0, 0, 0, 1 << 31,
            ])
        #expect(FieldEncoding.limbs(UInt64(0xAABB_CCDD_1122_3344)).map(\.value) == [0x1122_3344, 0xAABB_CCDD])
        #expect(FieldEncoding.tag("abcde").map(\.value) == [0x6463_6261, 0x65])
    }

    @Test func depositLeafHashesTagIndexRecipientAssetAmountSender() {
        let deposit = Self.deposits[1]
        let elements = deposit.leafElements
        #expect(elements.count == 5 + 2 + 5 + 5 + 8 + 5)
        #expect(Array(elements.prefix(5)) == FieldEncoding.tag("cloister/deposit/v1"))
        #expect(deposit.leaf == RPO256.hashElements(elements))
    }

    @Test func depositHashIsARollingMergeFromTheZeroDigest() {
        #expect(DepositHash.of([]) == .zero)
        let first = RPO256.merge(.zero, Self.deposits[0].leaf)
        let second = RPO256.merge(first, Self.deposits[1].leaf)
        #expect(DepositHash.of(Self.deposits) == (try! Hash32(second.bytes)))
        #expect(DepositHash.of([Self.deposits[0]]) == (try! Hash32(first.bytes)))
        #expect(DepositHash.of(Self.deposits.reversed()) != DepositHash.of(Self.deposits))
    }

    static func withdrawals(batch: UInt64, count: Int) -> [Withdrawal] {
        (0..<count).map { (index: Int) -> Withdrawal in
            let amount = UInt256(UInt64(100 * (index + 1)))
            return Withdrawal(
                batchNumber: batch, indexInBatch: UInt64(index), recipient: Address.test(UInt8(0x10 + index)),
                asset: Address.zero, amount: amount)
        }
    }

    @Test func emptyWithdrawalTreeHasTheRootOfSixteenLevelsOfZeroLeaves() throws {
        var digest = RPODigest.zero
        for _ in 0..<16 { digest = RPO256.merge(digest, digest) }
        #expect(WithdrawalTree.emptyRoot == (try Hash32(digest.bytes)))
        #expect(try WithdrawalTree(batchNumber: 3, withdrawals: []).root == WithdrawalTree.emptyRoot)
    }

    @Test func withdrawalTreeOfOneLeafPadsWithEmptySubtrees() throws {
        let withdrawal = Self.withdrawals(batch: 4, count: 1)[0]
        var digest = withdrawal.leaf
        var empty = RPODigest.zero
        for _ in 0..<16 {
            digest = RPO256.merge(digest, empty)
            empty = RPO256.merge(empty, empty)
        }
        #expect(try WithdrawalTree(batchNumber: 4, withdrawals: [withdrawal]).root == (try Hash32(digest.bytes)))
    }

    @Test func everyWithdrawalProofVerifiesAgainstTheRoot() throws {
        let tree = try WithdrawalTree(batchNumber: 7, withdrawals: Self.withdrawals(batch: 7, count: 5))
        for index in 0..<5 {
            let proof = try tree.proof(index: index)
            #expect(proof.siblings.count == 16)
            try proof.verify(against: tree.root)
        }
    }

    @Test func withdrawalProofFailsForAWrongSiblingAmountOrBatch() throws {
        let tree = try WithdrawalTree(batchNumber: 7, withdrawals: Self.withdrawals(batch: 7, count: 3))
        let proof = try tree.proof(index: 1)
        var siblings = proof.siblings
        siblings[3] = siblings[4]
        let w = proof.withdrawal
        let forgeries = [
            WithdrawalProof(withdrawal: w, siblings: siblings),
            WithdrawalProof(
                withdrawal: Withdrawal(
                    batchNumber: 7, indexInBatch: 1, recipient: w.recipient, asset: w.asset, amount: w.amount + 1),
                siblings: proof.siblings),
            WithdrawalProof(
                withdrawal: Withdrawal(
                    batchNumber: 8, indexInBatch: 1, recipient: w.recipient, asset: w.asset, amount: w.amount),
                siblings: proof.siblings),
        ]
        for forgery in forgeries {
            #expect(throws: SettlementError.self) { try forgery.verify(against: tree.root) }
        }
    }

    @Test func withdrawalTreeRefusesLeavesOutOfPlace() {
        let misplaced = Self.withdrawals(batch: 2, count: 2).reversed()
        #expect(throws: SettlementError.self) { try WithdrawalTree(batchNumber: 2, withdrawals: Array(misplaced)) }
        #expect(throws: SettlementError.self) {
            try WithdrawalTree(batchNumber: 3, withdrawals: Self.withdrawals(batch: 2, count: 1))
        }
    }

    @Test func operatorSignatureRecoversTheSignerAndBindsTheCall() throws {
        let key = try PrivateKey(bytes: [UInt8](repeating: 7, count: 32))
        let batch = L1Fixture.batch(after: nil)
        let call = OperatorCall.commit(batch)
        let signature = call.sign(with: key)
        #expect(try signature.signer(of: call) == key.address)
        #expect(try OperatorSignature(hex: signature.hex) == signature)
        let other = OperatorCall.execute(batchNumber: 1, batchHash: batch.batchHash)
        #expect(try signature.signer(of: other) != key.address)
        #expect(
            OperatorCall.prove(batchNumber: 1, batchHash: batch.batchHash, proof: [1]).signingHash
                != OperatorCall.prove(batchNumber: 1, batchHash: batch.batchHash, proof: [2]).signingHash)
    }
}
