import BatchProof
import Disclosure
import Foundation
import Primitives
import Settlement
import StarkCrypto
import StarkMath
import StateTree
import Testing
import Transactions

/// The Swift verifier of transaction disclosures on its own: a disclosure of a real signed
/// transaction, opened from a batch's operations tree, is accepted against an L1 record of an
/// executed batch with that operations commitment, and refused for every one-field change.
@Suite struct TransactionDisclosureVerifierTests {
    static let chainID: UInt64 = 271828
    static let token = Address(hexLiteral: "0xe0d0000000000000000000000000000000000001")
    let alice = PrivateKey.generate()
    let bob = Address(hexLiteral: "0x2222222222222222222222222222222222222222")
    let carol = Address(hexLiteral: "0x3333333333333333333333333333333333333333")

    /// alice's transfer (native or of `token`) at index 2 of batch 7's eight operations, among
    /// others between bob and carol, and the L1's record of batch 7.
    func fixture(
        token asset: Address = .zero, status: BatchStatus = .executed
    ) throws -> (TransactionDisclosure, L1BatchRecord) {
        let amount: UInt256 = 4_998_765_432
        let unsigned: UnsignedTransaction =
            asset == .zero
            ? .dynamicFee(
                chainID: Self.chainID, nonce: 3, maxPriorityFeePerGas: 0, maxFeePerGas: 0, gasLimit: 21_000, to: bob,
                value: amount)
            : .legacy(
                chainID: Self.chainID, nonce: 3, gasPrice: 0, gasLimit: 100_000, to: asset, value: 0,
                data: [0xa9, 0x05, 0x9c, 0xbb] + Array(repeating: 0, count: 12) + bob.bytes + amount.bigEndianBytes)
        let signed = TransactionCodec.sign(unsigned, with: alice)
        func operation(_ from: Address, _ to: Address, _ amount: UInt128, slots: (Int, Int)) -> BatchOperation {
            BatchOperation(
                kind: .transfer, from: slots.0, to: slots.1, amount: amount,
                fromKey: AccountLeaf.key(account: from.bytes, asset: asset.bytes),
                toKey: AccountLeaf.key(account: to.bytes, asset: asset.bytes),
                asset: AccountLeaf.assetID(of: asset.bytes))
        }
        var operations = [
            operation(bob, carol, 11, slots: (4, 5)), operation(carol, bob, 12, slots: (5, 4)),
            operation(alice.address, bob, 4_998_765_432, slots: (9, 4)), operation(bob, carol, 13, slots: (4, 5)),
        ]
        let padding = BatchOperation(
            kind: .padding, from: AccountTree.paddingSlot, to: AccountTree.paddingSlot, amount: 0, fromKey: .zero,
            toKey: .zero,
            asset: .zero)
        operations += Array(repeating: padding, count: 4)
        var randomness = WitnessRandomness.system
        let salts = operations.map { _ in (0..<3).map { _ in randomness.nextElement() } }
        let opening = try OperationsOpening(batchNumber: 7, operations: operations, salts: salts)
        let disclosure = TransactionDisclosure(
            chainID: Self.chainID, signed: signed, from: alice.address, to: bob, asset: asset, amount: 4_998_765_432,
            opening: opening, index: 2)
        let commitment = BatchCommitment(
            batchNumber: 7, previousStateRoot: .zero, newStateRoot: .zero,
            operationsCommitment: Hash32(
                rpo: OperationsTree.root(batchNumber: 7, salts: salts, operations: operations)),
            depositCount: 0, firstDepositIndex: 0, depositHash: .zero, withdrawalCount: 0, withdrawalsRoot: .zero,
            policyHash: .zero, auditLogHead: .zero, timestamp: 0, previousBatchHash: .zero)
        let record = L1BatchRecord(
            commitment: commitment, status: status, committedAt: 1, executedAt: status == .executed ? 2 : nil,
            proofAttempts: [])
        return (disclosure, record)
    }

    @Test(arguments: [Address.zero, token])
    func aDisclosureOfAnExecutedBatchIsVerifiedWithItsFacts(_ asset: Address) throws {
        let (disclosure, record) = try fixture(token: asset)
        let facts = try TransactionDisclosureVerifier.verify(disclosure, l1Record: record)
        #expect(facts.signer == alice.address && facts.recipient == bob && facts.asset == asset)
        #expect(facts.amount == 4_998_765_432 && facts.batch == 7 && facts.index == 2 && facts.nonce == 3)
        #expect(facts.sentence.contains("sending 4998765432") && facts.sentence.contains(bob.checksummed))
        let decoded = try JSONDecoder().decode(TransactionDisclosure.self, from: try JSONEncoder().encode(disclosure))
        #expect(decoded == disclosure)
    }

    static let fields = [
        "amount", "from", "to", "asset", "fromKey", "toKey", "assetId", "amountLow", "fromSlot", "kind", "salt0",
        "salt2",
        "sibling", "index", "batch", "transaction", "signature", "staleHash", "transactionHash", "chainId",
        "operationsCommitment",
        "format", "siblingCount",
    ]

    @Test(arguments: fields)
    func everyChangedFieldIsRefused(_ field: String) throws {
        for asset in [Address.zero, Self.token] {
            let (original, record) = try fixture(token: asset)
            var changed = original
            func bumped(_ text: String) -> String { String((UInt64(text)! + 1) % Goldilocks.modulus) }
            switch field {
            case "amount": changed.amount = "4998765433"
            case "from": changed.from = carol.checksummed
            case "to": changed.to = carol.checksummed
            case "asset": changed.asset = (asset == .zero ? Self.token : .zero).checksummed
            case "fromKey": changed.operation.fromKey = bumped(original.operation.fromKey)
            case "toKey": changed.operation.toKey = bumped(original.operation.toKey)
            case "assetId": changed.operation.assetId = bumped(original.operation.assetId)
            case "amountLow": changed.operation.amountLow = bumped(original.operation.amountLow)
            case "fromSlot": changed.operation.fromSlot += 1
            case "kind": changed.operation.kind = "mint"
            case "salt0": changed.salt[0] = bumped(original.salt[0])
            case "salt2": changed.salt[2] = bumped(original.salt[2])
            case "sibling": changed.siblings[1] = changed.siblings[0]
            case "index": changed.index = 3
            case "batch": changed.batch = 8
            case "transaction":
                // Another transaction of alice's, validly signed, with its own hash: one more unit.
                let raw = try Self.resigned(original.transaction, key: alice)
                changed.transaction = Hex.encode(raw)
                changed.transactionHash = Keccak256.hash(raw).hex
            case "signature":
                // One byte of s, with the hash of the changed bytes: another signer, or none.
                var raw = try Hex.decodeData(original.transaction)
                raw[raw.count - 5] ^= 0x01
                changed.transaction = Hex.encode(raw)
                changed.transactionHash = Keccak256.hash(raw).hex
            case "staleHash":
                var raw = try Hex.decodeData(original.transaction)
                raw[raw.count - 5] ^= 0x01
                changed.transaction = Hex.encode(raw)
            case "transactionHash": changed.transactionHash = Hash32.zero.hex
            case "chainId": changed.chainId = 4242
            case "operationsCommitment": changed.operationsCommitment = Hash32.zero.hex
            case "format": changed.format = "cloister.disclosure/0"
            default: changed.siblings.removeLast()
            }
            let refusal = #expect(
                throws: DisclosureError.self, "\(field) of a \(asset == .zero ? "native" : "token") transfer"
            ) {
                try TransactionDisclosureVerifier.verify(changed, l1Record: record)
            }
            #expect(refusal?.kind == Self.reason(field), "\(field): \(refusal?.message ?? "accepted")")
        }
    }

    /// Why a change of `field` is refused: the signed transaction is checked first, then the path.
    static func reason(_ field: String) -> DisclosureError.Kind {
        switch field {
        case "fromSlot", "salt0", "salt2", "sibling", "index", "batch", "operationsCommitment", "siblingCount":
            .pathMismatch
        case "format": .malformed
        default: .transactionMismatch
        }
    }

    /// The same transfer of one more unit, signed again by `key`.
    static func resigned(_ text: String, key: PrivateKey) throws -> [UInt8] {
        var unsigned = try TransactionCodec.decode(try Hex.decodeData(text)).transaction
        if unsigned.data.isEmpty {
            unsigned.value = unsigned.value + 1
        } else {
            unsigned.data[67] += 1
        }
        return TransactionCodec.sign(unsigned, with: key).rawBytes
    }

    @Test func aBatchNotExecutedIsNotFinalAndAnUnknownOneIsRefused() throws {
        let (disclosure, committed) = try fixture(status: .committed)
        #expect(
            throws: DisclosureError(
                .notFinal, "batch 7 is committed on the L1, not executed: the disclosure is not final yet")
        ) {
            try TransactionDisclosureVerifier.verify(disclosure, l1Record: committed)
        }
        #expect(throws: DisclosureError.self) { try TransactionDisclosureVerifier.verify(disclosure, l1Record: nil) }
    }

    /// What a later disclosure reads back: the stored form of an opening is the opening, padding included.
    @Test func anOperationsOpeningSurvivesItsStoredForm() throws {
        let operations = [
            BatchOperation(
                kind: .deposit, from: 3, to: 3, amount: 5, fromKey: Goldilocks(reducing: 9),
                toKey: Goldilocks(reducing: 9), asset: .one),
            BatchOperation(
                kind: .padding, from: AccountTree.paddingSlot, to: AccountTree.paddingSlot, amount: 0, fromKey: .zero,
                toKey: .zero,
                asset: .zero),
        ]
        let opening = try OperationsOpening(
            batchNumber: 7, operations: operations, salts: [[.one, .one, .zero], [.zero, .one, .one]])
        #expect(try OperationsOpening(decoding: opening.encoded) == opening)
        #expect(throws: BatchProofError.self) { try OperationsOpening(decoding: Array(opening.encoded.dropLast())) }
    }
}
