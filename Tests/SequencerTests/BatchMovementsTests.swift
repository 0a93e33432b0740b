import Foundation
import Sequencer
import Ledger
import Logging
import SequencerTestSupport
import Primitives
import Settlement
import Testing

/// What a batch proof is asked to account for: every value movement of a sealed batch, in
/// proof order (deposits, then the transactions' movements, then the withdrawal list).
@Suite struct BatchMovementsTests {
    let fixture: ChainFixture
    let l1Sender = PrivateKey.generate().address
    let outsider = PrivateKey.generate().address

    init() throws { fixture = try ChainFixture(maxBlocksPerBatch: 1) }

    func call(_ key: PrivateKey, token: Address, selector: UInt32, words: [[UInt8]], nonce: UInt64) -> [UInt8] {
        let data = withUnsafeBytes(of: selector.bigEndian) { Array($0) } + words.flatMap { $0 }
        return fixture.tokenCall(from: key, token: token, data: data, nonce: nonce)
    }

    func word(_ address: Address) -> [UInt8] { [UInt8](repeating: 0, count: 12) + address.bytes }
    func word(_ amount: UInt256) -> [UInt8] { amount.bigEndianBytes }

    @Test func aBatchListsDepositsFirstThenTransactionMovementsThenItsWithdrawalsInListOrder() async throws {
        let chain = try await fixture.openChain()
        let commitment = Task { try await chain.runStateCommitment() }
        defer { commitment.cancel() }
        let eurd = ChainFixture.eurd
        // A deposit the chain credits (no policy: every recipient is accepted) and one it cannot
        // (a native deposit is always creditable, so the refund comes from an unknown token).
        let unknownToken = try Address(hex: "0x00000000000000000000000000000000000000aa")
        await chain.receiveDeposits([
            Deposit(queueIndex: 0, recipient: fixture.carol.address, asset: eurd, amount: 40, sender: l1Sender),
            Deposit(queueIndex: 1, recipient: outsider, asset: unknownToken, amount: 9, sender: l1Sender),
        ])
        let alice = fixture.alice, issuer = fixture.issuer
        _ = try await chain.submit(raw: fixture.nativeTransfer(from: alice, to: fixture.bob.address, amount: 7, nonce: 0))
        _ = try await chain.submit(raw: fixture.nativeTransfer(from: alice, to: Bridge.address, amount: 5, nonce: 1))
        _ = try await chain.submit(raw: fixture.tokenTransfer(from: alice, to: fixture.carol.address, amount: 11, nonce: 2))
        // Fails (more than alice holds): no movement.
        _ = try await chain.submit(raw: fixture.tokenTransfer(from: alice, to: fixture.carol.address, amount: 9_000_000_000, nonce: 3))
        _ = try await chain.submit(
            raw: call(issuer, token: eurd, selector: ABI.Selector.mint, words: [word(fixture.bob.address), word(UInt256(13))], nonce: 0))
        _ = try await chain.submit(raw: fixture.tokenTransfer(from: fixture.bob, to: Bridge.address, amount: 3, nonce: 0))
        // Burning takes the issuer's own balance: it mints to itself first.
        _ = try await chain.submit(
            raw: call(issuer, token: eurd, selector: ABI.Selector.mint, words: [word(issuer.address), word(UInt256(5))], nonce: 1))
        _ = try await chain.submit(raw: call(issuer, token: eurd, selector: ABI.Selector.burn, words: [word(UInt256(2))], nonce: 2))
        try await chain.produceBlock()
        await chain.awaitBatch(1)
        #expect(await chain.latestBatch.number == 1)

        let contents = try #require(try chain.batchContents(number: 1))
        #expect(contents.withdrawalSources.count == 3)
        let movements = try chain.batchMovements(1)
        let native = Address.zero
        #expect(
            movements == [
                .deposit(to: fixture.carol.address, asset: eurd, amount: 40),
                .deposit(to: outsider, asset: unknownToken, amount: 9),
                .transfer(from: alice.address, to: fixture.bob.address, asset: native, amount: 7),
                .transfer(from: alice.address, to: fixture.carol.address, asset: eurd, amount: 11),
                .mint(to: fixture.bob.address, asset: eurd, amount: 13),
                .mint(to: issuer.address, asset: eurd, amount: 5),
                .burn(from: issuer.address, asset: eurd, amount: 2),
                // The withdrawal list, in the order the withdrawals happened: the refund came
                // with the deposits at the start of the block.
                .withdrawal(from: outsider, asset: unknownToken, amount: 9),
                .withdrawal(from: alice.address, asset: native, amount: 5),
                .withdrawal(from: fixture.bob.address, asset: eurd, amount: 3),
            ])
    }

    @Test func theGenesisBatchHasNoMovements() async throws {
        let chain = try await fixture.openChain()
        #expect(try chain.batchMovements(0).isEmpty)
    }
}
