import Primitives
import Settlement
import StarkCrypto
import StarkMath
import StateTree
import Testing

@testable import BatchProof
@testable import Stark

/// Accounts, assets, states and lighter options shared by the suite.
///
/// Properties that do not depend on the security level (a broken constraint, a wrong
/// public input) use `lightOptions` to keep debug runtime low; one end-to-end test proves
/// with ``ProofOptions/default``. Balances, amounts and keys have ≥ 32 bits of entropy in
/// every 64-bit limb so that the proof-bytes scan cannot match them by accident.
enum Fixtures {
    static let lightOptions = try! ProofOptions(
        fieldExtension: .quadratic, blowupFactor: 8, queryCount: 12, grindingBits: 0, friFoldingFactor: 4,
        friRemainderMaxDegree: 7)

    /// Accepts the light options (they are not secure).
    static let testMinimum = AcceptableOptions(minimumProvenBits: 0, minimumConjecturedBits: 0)

    /// A deterministic 20-byte address.
    static func address(_ tag: UInt8) -> [UInt8] {
        (0..<20).map { UInt8(truncatingIfNeeded: Int(tag) &* 37 &+ $0 &* 101 &+ 13) }
    }

    static let native = [UInt8](repeating: 0, count: 20)
    static let tokenA = address(0xA0)
    static let tokenB = address(0xB0)
    static let alice = address(1)
    static let bob = address(2)
    static let carol = address(3)
    static let dave = address(4)
    static let erin = address(5)

    /// Balances far above 2⁶⁴ (wei-sized), with entropy in both limbs.
    static let aliceNative: UInt128 = 0x0003_A5B7_C9D1_2345_6789_ABCD_EF01_2345
    static let bobNative: UInt128 = 0x0001_1357_9BDF_0246_8ACE_1122_3344_5567
    static let aliceTokenA: UInt128 = 0x0000_7F31_0A2B_3C4D_5E6F_7081_92A3_B4C5
    static let carolTokenB: UInt128 = 0x0000_0C1D_2E3F_4051_6273_8495_A6B7_C8D9
    static let supplyA: UInt128 = 0x0000_9F31_0A2B_3C4D_5E6F_7081_92A3_B4C5
    /// Below carol's tokenB balance (tokenB was also bridged in), so a burn can exceed it.
    static let supplyB: UInt128 = 0x0000_0000_1C1D_2E3F_4051_6273_8495_A6B7

    static func genesis() -> BatchStateTree {
        try! BatchStateTree.genesis(
            holdings: [
                (alice, native, aliceNative), (bob, native, bobNative), (alice, tokenA, aliceTokenA),
                (carol, tokenB, carolTokenB),
            ],
            supplies: [(tokenA, supplyA), (tokenB, supplyB)])
    }

    static func key(_ account: [UInt8], _ asset: [UInt8]) -> Goldilocks { AccountLeaf.key(account: account, asset: asset) }
    static func asset(_ asset: [UInt8]) -> Goldilocks { AccountLeaf.assetID(of: asset) }

    /// Transfer amounts above 2⁶⁴.
    static let amount1: UInt128 = 0x0000_0001_2345_6789_ABCD_EF12_3456_789A
    static let amount2: UInt128 = 0x0000_0000_9876_5432_10FE_DCBA_9876_5431
    static let amount3: UInt128 = 0x0000_0000_0F1E_2D3C_4B5A_6978_8796_A5B4

    /// Three transfers in two assets (four slots, one padding), including a chain through bob.
    static func transferBuilder(number: UInt64 = 0x42_0017, state: BatchStateTree = genesis()) throws -> BatchBuilder {
        var builder = BatchBuilder(number: number, state: state)
        try builder.transfer(from: alice, to: bob, asset: native, amount: amount1)
        try builder.transfer(from: bob, to: dave, asset: native, amount: amount2)
        try builder.transfer(from: alice, to: carol, asset: tokenA, amount: amount3)
        return builder
    }

    /// Every kind of operation: deposits (one refused by policy and refunded), transfers
    /// in two assets, a mint, a burn, withdrawals.
    static let deposits = [
        Deposit(
            queueIndex: 0, recipient: try! Address(erin), asset: try! Address(tokenB),
            amount: UInt256(words: (0x1122_3344_5566_7788, 0x0000_0000_3456_789A, 0, 0)), sender: try! Address(address(9))),
        Deposit(
            queueIndex: 1, recipient: try! Address(dave), asset: .zero,
            amount: UInt256(words: (0x8877_6655_4433_2211, 0x0000_0000_0789_ABCD, 0, 0)), sender: try! Address(address(8))),
    ]

    static func amount(_ value: UInt256) -> UInt128 { try! BatchBuilder.narrow(value) }

    /// The withdrawals of ``mixedBuilder(number:)`` (the refund of deposit 1 first, then bob's).
    static func withdrawals(batch: UInt64) -> [Withdrawal] {
        [
            Withdrawal(
                batchNumber: batch, indexInBatch: 0, recipient: deposits[1].sender, asset: deposits[1].asset,
                amount: deposits[1].amount),
            Withdrawal(
                batchNumber: batch, indexInBatch: 1, recipient: try! Address(bob), asset: .zero,
                amount: UInt256(words: (0x0123_4567_89AB_CDEF, 0x0000_0000_0000_7531, 0, 0))),
        ]
    }

    static let mintAmount: UInt128 = 0x0000_0000_5A5A_1234_0F0F_9876_ABCD_1357
    static let burnAmount: UInt128 = 0x0000_0000_0B0B_4321_7E7E_1111_2468_ACE0

    static func mixedBuilder(number: UInt64 = 7, state: BatchStateTree = genesis()) throws -> BatchBuilder {
        var builder = BatchBuilder(number: number, state: state)
        // Node order: a transfer, both deposits, a mint, the refund of the refused deposit,
        // a burn, a transfer in another asset, a withdrawal.
        try builder.transfer(from: alice, to: bob, asset: native, amount: amount1)
        try builder.deposit(account: erin, asset: tokenB, amount: amount(deposits[0].amount))
        try builder.deposit(account: dave, asset: native, amount: amount(deposits[1].amount))
        try builder.mint(to: dave, asset: tokenA, amount: mintAmount)
        try builder.withdraw(from: dave, asset: native, amount: amount(deposits[1].amount))
        try builder.burn(from: alice, asset: tokenA, amount: burnAmount)
        try builder.transfer(from: dave, to: erin, asset: tokenA, amount: amount3)
        try builder.withdraw(from: bob, asset: native, amount: amount(withdrawals(batch: number)[1].amount))
        return builder
    }
}
