import Ledger
import Primitives
import Testing

@Suite struct LedgerStateTests {
    let eurd = Fixture.eurdAddress
    let alice = Fixture.alice
    let bob = Fixture.bob
    let carol = Fixture.carol

    // MARK: - Configuration and genesis

    @Test func refusesTwoTokensAtOneAddress() {
        var copy = Fixture.bond
        copy.address = Fixture.eurdAddress
        #expect(throws: LedgerError.duplicateTokenAddress(Fixture.eurdAddress)) {
            try LedgerState(tokens: [Fixture.eurd, copy])
        }
    }

    @Test func refusesTwoTokensWithOneSymbolIgnoringCase() {
        var copy = Fixture.bond
        copy.symbol = "eurd"
        #expect(throws: LedgerError.duplicateTokenSymbol("eurd")) { try LedgerState(tokens: [Fixture.eurd, copy]) }
    }

    @Test func refusesTokenAtZeroAddressOrWithoutSymbol() {
        var zero = Fixture.bond
        zero.address = .zero
        #expect(throws: LedgerError.self) { try LedgerState(tokens: [zero]) }
        var unnamed = Fixture.bond
        unnamed.symbol = ""
        #expect(throws: LedgerError.self) { try LedgerState(tokens: [unnamed]) }
    }

    @Test func genesisSetsSuppliesAndHolderCounts() throws {
        let state = Fixture.state()
        #expect(state.tokens.count == 2)
        #expect(state.tokens[eurd] == Fixture.eurd)
        #expect(state.tokenState(eurd) == TokenState(totalSupply: 1700, paused: false, holderCount: 3))
        #expect(state.tokenState(Fixture.bondAddress) == .zero)
        #expect(state.holding(token: eurd, holder: alice) == HoldingState(balance: 1000))
        #expect(state.account(alice) == AccountState(nonce: 0, nativeBalance: 1_000_000))
        #expect(state.account(carol) == .zero)
    }

    @Test func genesisRefusesUnknownToken() {
        #expect(throws: LedgerError.unknownToken(carol)) {
            try LedgerState.genesis(tokens: [Fixture.eurd], nativeBalances: [:], tokenBalances: [carol: [alice: 1]])
        }
    }

    @Test func genesisRefusesSupplyAboveCap() {
        #expect(throws: LedgerError.genesisSupplyExceedsCap(symbol: "EURD")) {
            try LedgerState.genesis(
                tokens: [Fixture.eurd], nativeBalances: [:], tokenBalances: [eurd: [alice: 600_000, bob: 400_001]])
        }
        #expect(throws: LedgerError.genesisSupplyExceedsCap(symbol: "BOND")) {
            try LedgerState.genesis(
                tokens: [Fixture.bond], nativeBalances: [:],
                tokenBalances: [Fixture.bondAddress: [alice: .max, bob: 1]])
        }
        #expect(throws: Never.self) {
            try LedgerState.genesis(
                tokens: [Fixture.eurd], nativeBalances: [:], tokenBalances: [eurd: [alice: 600_000, bob: 400_000]])
        }
    }

    @Test func genesisRefusesTokensForTheZeroAddress() {
        #expect(throws: LedgerError.genesisBalanceForZeroAddress(symbol: "EURD")) {
            try LedgerState.genesis(tokens: [Fixture.eurd], nativeBalances: [:], tokenBalances: [eurd: [.zero: 5]])
        }
    }

    /// The store persists genesis like any block: through takeChanges().
    @Test func genesisRecordsAreAllDirtyInKeyOrder() throws {
        var state = try LedgerState.genesis(
            tokens: [Fixture.eurd, Fixture.bond], nativeBalances: [alice: 7, bob: 0],
            tokenBalances: [eurd: [bob: 500, alice: 1000, carol: 0]])
        let changes = state.takeChanges()
        #expect(
            changes == [
                StateChange(key: .account(alice), value: .account(AccountState(nonce: 0, nativeBalance: 7))),
                StateChange(key: .holding(token: eurd, holder: alice), value: .holding(HoldingState(balance: 1000))),
                StateChange(key: .holding(token: eurd, holder: bob), value: .holding(HoldingState(balance: 500))),
                StateChange(
                    key: .token(eurd), value: .token(TokenState(totalSupply: 1500, paused: false, holderCount: 2))),
            ])
        #expect(state.takeChanges() == [])
        #expect(!state.hasChanges)
    }

    // MARK: - Loading from storage

    @Test func loadRebuildsStateWithoutMarkingItDirty() {
        var original = Fixture.state()
        run(.approve(token: eurd, spender: bob, amount: 5), by: alice, on: &original)
        run(.freezePartialTokens(token: eurd, account: bob, amount: 100), by: Fixture.agent, on: &original)
        run(.pause(token: eurd), by: Fixture.agent, on: &original)
        var rebuilt = try! LedgerState(tokens: [Fixture.eurd, Fixture.bond])
        for change in original.entries() { rebuilt.load(change) }
        #expect(!rebuilt.hasChanges)
        #expect(rebuilt.takeChanges() == [])
        #expect(rebuilt.entries() == original.entries())
        #expect(rebuilt.allowance(token: eurd, owner: alice, spender: bob) == 5)
        #expect(rebuilt.tokenState(eurd).paused)
    }

    @Test func loadingAZeroValueRemovesTheRecord() {
        var state = Fixture.state()
        state.load(StateChange(key: .holding(token: eurd, holder: alice), value: .holding(.zero)))
        #expect(state.holding(token: eurd, holder: alice) == .zero)
        #expect(!state.entries().contains { $0.key == .holding(token: eurd, holder: alice) })
    }

    // MARK: - takeChanges precision

    @Test func transferBetweenExistingHoldersDirtiesSenderAndBothHoldings() {
        var state = Fixture.state()
        run(.transfer(token: eurd, to: bob, amount: 10), by: alice, on: &state)
        #expect(
            state.takeChanges() == [
                StateChange(key: .account(alice), value: .account(AccountState(nonce: 1, nativeBalance: 1_000_000))),
                StateChange(key: .holding(token: eurd, holder: alice), value: .holding(HoldingState(balance: 990))),
                StateChange(key: .holding(token: eurd, holder: bob), value: .holding(HoldingState(balance: 510))),
            ])
        #expect(state.takeChanges() == [])
    }

    @Test func transferToNewHolderAlsoDirtiesTokenState() {
        var state = Fixture.state()
        run(.transfer(token: eurd, to: carol, amount: 300), by: alice, on: &state)
        #expect(
            state.takeChanges() == [
                StateChange(key: .account(alice), value: .account(AccountState(nonce: 1, nativeBalance: 1_000_000))),
                StateChange(key: .holding(token: eurd, holder: alice), value: .holding(HoldingState(balance: 700))),
                StateChange(key: .holding(token: eurd, holder: carol), value: .holding(HoldingState(balance: 300))),
                StateChange(
                    key: .token(eurd), value: .token(TokenState(totalSupply: 1700, paused: false, holderCount: 4))),
            ])
    }

    /// One holder leaves and one arrives: the holder count, and so the token record, stays as it was.
    @Test func emptiedHoldingIsReportedAsZeroThenDropped() {
        var state = Fixture.state()
        run(.transfer(token: eurd, to: carol, amount: 1000), by: alice, on: &state)
        #expect(
            state.takeChanges() == [
                StateChange(key: .account(alice), value: .account(AccountState(nonce: 1, nativeBalance: 1_000_000))),
                StateChange(key: .holding(token: eurd, holder: alice), value: .holding(.zero)),
                StateChange(key: .holding(token: eurd, holder: carol), value: .holding(HoldingState(balance: 1000))),
            ])
        #expect(!state.entries().contains { $0.key == .holding(token: eurd, holder: alice) })
    }

    @Test func failedOperationDirtiesOnlyTheSenderAccount() {
        var state = Fixture.state()
        let receipt = run(.transfer(token: eurd, to: bob, amount: 5000), by: alice, on: &state)
        #expect(!receipt.succeeded)
        #expect(
            state.takeChanges() == [
                StateChange(key: .account(alice), value: .account(AccountState(nonce: 1, nativeBalance: 1_000_000)))
            ])
    }

    @Test func approveDirtiesOnlySenderAndAllowance() {
        var state = Fixture.state()
        run(.approve(token: eurd, spender: bob, amount: 5), by: carol, on: &state)
        #expect(
            state.takeChanges() == [
                StateChange(key: .account(carol), value: .account(AccountState(nonce: 1, nativeBalance: 0))),
                StateChange(key: .allowance(token: eurd, owner: carol, spender: bob), value: .allowance(5)),
            ])
    }

    /// A write that leaves a record as it was is not a change.
    @Test func unchangedRecordsAreNotReported() {
        var state = Fixture.state()
        run(.transfer(token: eurd, to: alice, amount: 10), by: alice, on: &state)
        run(.transfer(token: eurd, to: bob, amount: 0), by: carol, on: &state)
        #expect(state.takeChanges().map(\.key) == [.account(alice), .account(carol)])
    }

    /// Changes accumulate across operations until taken, each key once with its final value.
    @Test func changesAccumulateUntilTaken() {
        var state = Fixture.state()
        run(.transfer(token: eurd, to: bob, amount: 10), by: alice, on: &state)
        run(.transfer(token: eurd, to: alice, amount: 10), by: bob, on: &state)
        #expect(
            state.takeChanges() == [
                StateChange(key: .account(alice), value: .account(AccountState(nonce: 1, nativeBalance: 1_000_000))),
                StateChange(key: .account(bob), value: .account(AccountState(nonce: 1, nativeBalance: 0))),
                StateChange(key: .holding(token: eurd, holder: alice), value: .holding(HoldingState(balance: 1000))),
                StateChange(key: .holding(token: eurd, holder: bob), value: .holding(HoldingState(balance: 500))),
            ])
    }
}
