import Disclosure
import Foundation
import Primitives
import Settlement
import StarkCrypto
import StarkMath
import StateTree
import Testing

/// The Swift verifier on its own: a disclosure built from a real tree is accepted against an
/// L1 record of an executed batch with its root, and refused for every reason it names.
@Suite struct DisclosureVerifierTests {
    let holder = Address(hexLiteral: "0x1111111111111111111111111111111111111111")
    let asset = Address(hexLiteral: "0xe0d0000000000000000000000000000000000001")

    /// A tree of a few holders of `asset`, the disclosure of `holder`'s, and an L1 record of batch 7.
    func fixture(status: BatchStatus = .executed) throws -> (BalanceDisclosure, L1BatchRecord) {
        var tree = AccountTree()
        var randomness = WitnessRandomness.system
        let assetID = AccountLeaf.assetID(of: asset.bytes)
        let holders = [Address(hexLiteral: "0x2222222222222222222222222222222222222222"), holder,
                       Address(hexLiteral: "0x3333333333333333333333333333333333333333")]
        _ = try tree.apply(
            holders.enumerated().map { index, address in
                let key = AccountLeaf.key(account: address.bytes, asset: asset.bytes)
                return LeafOperation(kind: .deposit, fromKey: key, toKey: key, asset: assetID, amount: UInt128(1_000 * (index + 1)))
            }, randomness: &randomness)
        let slot = try #require(tree.slot(ofKey: AccountLeaf.key(account: holder.bytes, asset: asset.bytes)))
        let disclosure = BalanceDisclosure(chainID: 271828, batch: 7, holder: holder, asset: asset, path: tree.path(of: slot, before: []))
        let commitment = BatchCommitment(
            batchNumber: 7, previousStateRoot: .zero, newStateRoot: Hash32(rpo: tree.root), operationsCommitment: .zero,
            depositCount: 0, firstDepositIndex: 0, depositHash: .zero, withdrawalCount: 0, withdrawalsRoot: .zero,
            policyHash: .zero, auditLogHead: .zero, timestamp: 0, previousBatchHash: .zero)
        let record = L1BatchRecord(
            commitment: commitment, status: status, committedAt: 1, executedAt: status == .executed ? 2 : nil, proofAttempts: [])
        return (disclosure, record)
    }

    @Test func aDisclosureOfAnExecutedBatchIsVerifiedWithItsFacts() throws {
        let (disclosure, record) = try fixture()
        let facts = try DisclosureVerifier.verify(disclosure, l1Record: record)
        #expect(facts.holder == holder && facts.asset == asset && facts.balance == 2_000 && facts.batch == 7)
        #expect(facts.sentence.contains("held 2000"))
        // The JSON form round-trips.
        let decoded = try JSONDecoder().decode(BalanceDisclosure.self, from: try JSONEncoder().encode(disclosure))
        #expect(decoded == disclosure)
    }

    @Test(arguments: ["balance", "holder", "asset", "nonce", "blinding", "slot", "sibling", "stateRoot", "format", "siblingCount"])
    func everyChangedFieldIsRefused(_ field: String) throws {
        let (original, record) = try fixture()
        var changed = original
        switch field {
        case "balance": changed.balance = "2001"
        case "holder": changed.holder = "0x2222222222222222222222222222222222222222"
        case "asset": changed.asset = Address.zero.hex
        case "nonce": changed.nonce = "1"
        case "blinding": changed.blinding = String((UInt64(original.blinding)! + 1) % Goldilocks.modulus)
        case "slot": changed.slot += 1
        case "sibling": changed.siblings[0] = changed.siblings[1]
        case "stateRoot": changed.stateRoot = Hash32(rpo: RPODigest(.one, .one, .one, .one)).hex
        case "format": changed.format = "cloister.disclosure/0"
        default: changed.siblings.removeLast()
        }
        #expect(throws: DisclosureError.self) { try DisclosureVerifier.verify(changed, l1Record: record) }
    }

    @Test func aBatchNotExecutedIsNotFinalAndAnUnknownOneIsRefused() throws {
        let (disclosure, committed) = try fixture(status: .committed)
        #expect(throws: DisclosureError(.notFinal, "batch 7 is committed on the L1, not executed: the disclosure is not final yet")) {
            try DisclosureVerifier.verify(disclosure, l1Record: committed)
        }
        #expect(throws: DisclosureError.self) { try DisclosureVerifier.verify(disclosure, l1Record: nil) }
        var otherBatch = disclosure
        otherBatch.batch = 8
        #expect(throws: DisclosureError.self) { try DisclosureVerifier.verify(otherBatch, l1Record: committed) }
    }
}
