import StarkCrypto
import StarkMath
import Testing

@testable import BatchProof
@testable import Stark

/// Accounts, batches and lighter options shared by the suite.
///
/// Properties that do not depend on the security level (a broken constraint, a wrong
/// public input) use `lightOptions` to keep debug runtime low; the end-to-end test
/// proves with ``ProofOptions/default``. Balances, amounts and keys have ≥ 32 bits of
/// entropy so that the proof-bytes scan cannot match them by accident.
enum Fixtures {
    static let lightOptions = try! ProofOptions(
        fieldExtension: .quadratic, blowupFactor: 8, queryCount: 12, grindingBits: 0, friFoldingFactor: 4,
        friRemainderMaxDegree: 7)

    /// Accepts the light options (they are not secure).
    static let testMinimum = AcceptableOptions(minimumProvenBits: 0, minimumConjecturedBits: 0)

    /// Six accounts in slots 0…5.
    static let accounts: [AccountLeaf] = (0..<6).map { index in
        AccountLeaf(
            balance: 0x0000_3A5B_7C9D_0000 &+ UInt64(index) &* 0x1_0F0F_1357,
            nonce: 0x0000_0001_2345_0000 &+ UInt64(index) &* 0x1_0203,
            key: AccountLeaf.key(account: Array("account-\(index)".utf8), asset: Array("USD".utf8)),
            blinding: Goldilocks(reducing: 0x0BAD_CAFE_0000_0000 &+ UInt64(index)))
    }

    static func tree() -> SparseAccountTree {
        var leaves = [Int: RPODigest]()
        for (slot, account) in accounts.enumerated() { leaves[slot] = account.digest }
        return SparseAccountTree(leaves: leaves)
    }

    /// Three transfers in four slots (one padding operation), including a chain through slot 1.
    static let transfers = [
        Transfer(from: 0, to: 1, amount: 0x0000_0012_3456_789A),
        Transfer(from: 1, to: 2, amount: 0x0000_0023_4567_89AB),
        Transfer(from: 3, to: 0, amount: 0x0000_0034_5678_9ABC),
    ]

    static func batch(_ transfers: [Transfer] = transfers, slots: Int = 4) -> Batch {
        Batch(number: 0x0000_0000_0042_0017, slotCount: slots, transfers: transfers)
    }

    /// A witness built with `tampering` from the fixture tree.
    static func witness(
        _ transfers: [Transfer] = transfers, slots: Int = 4, tampering: BatchWitness.Tampering = .none,
        tree start: SparseAccountTree = tree()
    ) throws -> BatchWitness {
        var state = start
        return try BatchWitness.build(batch: batch(transfers, slots: slots), state: &state, tampering: tampering)
    }
}
