import Ledger
import Primitives
import Testing

/// The ERC-3643 agent calls: freezes, forcedTransfer, pause and unpause.
@Suite struct AgentTests {
    let eurd = Fixture.eurdAddress
    let agent = Fixture.agent
    let issuer = Fixture.issuer
    let alice = Fixture.alice
    let bob = Fixture.bob
    let carol = Fixture.carol

    static let addressFrozenTopic = try! Hash32(
        hex: "0x7fa523c84ab8d7fc5b72f08b9e46dbbf10c39e119a075b3e317002d14bc9f436")
    static let tokensFrozenTopic = try! Hash32(
        hex: "0xa065e63c631c86f1b9f66a4a2f63f2093bf1c2168d23290259dbd969e0222a45")
    static let tokensUnfrozenTopic = try! Hash32(
        hex: "0x9bed35cb62ad0dba04f9d5bfee4b5bc91443e77da8a65c4c84834c51bb08b0d6")
    static let pausedTopic = try! Hash32(hex: "0x62e78cea01bee320cd4e420270b5ea74000d11b0c9f74754ebdbfc544b05a258")
    static let unpausedTopic = try! Hash32(hex: "0x5db9ee0a495bf2e6ff9c91a7834c1ba4fdd244a5e8aa4e537bd38aeae4b073aa")

    static let agentOperations: [Operation] = [
        .setAddressFrozen(token: Fixture.eurdAddress, account: Fixture.bob, frozen: true),
        .freezePartialTokens(token: Fixture.eurdAddress, account: Fixture.bob, amount: 1),
        .unfreezePartialTokens(token: Fixture.eurdAddress, account: Fixture.bob, amount: 0),
        .forcedTransfer(token: Fixture.eurdAddress, from: Fixture.bob, to: Fixture.alice, amount: 1),
        .pause(token: Fixture.eurdAddress),
        .unpause(token: Fixture.eurdAddress),
    ]

    @Test(arguments: agentOperations)
    func agentCallByNonAgentFailsWithReason(_ operation: Operation) {
        for sender in [Fixture.alice, Fixture.issuer] {
            var state = Fixture.state()
            let before = entries(state, except: sender)
            #expect(
                run(operation, by: sender, on: &state)
                    == failure(gas: operation.gasCost, "EURD: caller is not an agent"))
            #expect(entries(state, except: sender) == before)
        }
    }

    @Test func setAddressFrozenLogsAddressFrozen() {
        var state = Fixture.state()
        let receipt = run(.setAddressFrozen(token: eurd, account: bob, frozen: true), by: agent, on: &state)
        #expect(
            receipt
                == success(
                    gas: 45_000,
                    [
                        Log(
                            address: eurd,
                            topics: [Self.addressFrozenTopic, topic(bob), try! Hash32(uintWord(1)), topic(agent)],
                            data: [])
                    ]))
        #expect(state.holding(token: eurd, holder: bob) == HoldingState(balance: 500, frozen: true, frozenAmount: 0))
        let unfreeze = run(.setAddressFrozen(token: eurd, account: bob, frozen: false), by: agent, on: &state)
        #expect(unfreeze.logs.first?.topics[2] == Hash32.zero)
        #expect(!state.holding(token: eurd, holder: bob).frozen)
    }

    @Test func freezePartialTokensLogsTokensFrozen() {
        var state = Fixture.state()
        let receipt = run(.freezePartialTokens(token: eurd, account: bob, amount: 120), by: agent, on: &state)
        #expect(
            receipt
                == success(
                    gas: 45_000,
                    [Log(address: eurd, topics: [Self.tokensFrozenTopic, topic(bob)], data: uintWord(120))]))
        run(.freezePartialTokens(token: eurd, account: bob, amount: 80), by: agent, on: &state)
        #expect(state.holding(token: eurd, holder: bob).frozenAmount == 200)
    }

    @Test func freezingMoreThanUnfrozenBalanceFailsWithReason() {
        var state = Fixture.state()
        #expect(
            run(.freezePartialTokens(token: eurd, account: bob, amount: 501), by: agent, on: &state)
                == failure(gas: 45_000, "EURD: freeze amount exceeds unfrozen balance"))
        run(.freezePartialTokens(token: eurd, account: bob, amount: 400), by: agent, on: &state)
        #expect(
            run(.freezePartialTokens(token: eurd, account: bob, amount: 101), by: agent, on: &state)
                == failure(gas: 45_000, "EURD: freeze amount exceeds unfrozen balance"))
        #expect(
            run(.freezePartialTokens(token: eurd, account: bob, amount: .max), by: agent, on: &state)
                == failure(gas: 45_000, "EURD: freeze amount exceeds unfrozen balance"))
    }

    @Test func unfreezePartialTokensLogsTokensUnfrozen() {
        var state = Fixture.state()
        run(.freezePartialTokens(token: eurd, account: bob, amount: 120), by: agent, on: &state)
        let receipt = run(.unfreezePartialTokens(token: eurd, account: bob, amount: 20), by: agent, on: &state)
        #expect(
            receipt
                == success(
                    gas: 45_000,
                    [Log(address: eurd, topics: [Self.tokensUnfrozenTopic, topic(bob)], data: uintWord(20))]))
        #expect(state.holding(token: eurd, holder: bob).frozenAmount == 100)
    }

    @Test func unfreezingMoreThanFrozenFailsWithReason() {
        var state = Fixture.state()
        run(.freezePartialTokens(token: eurd, account: bob, amount: 120), by: agent, on: &state)
        #expect(
            run(.unfreezePartialTokens(token: eurd, account: bob, amount: 121), by: agent, on: &state)
                == failure(gas: 45_000, "EURD: unfreeze amount exceeds frozen amount"))
    }

    @Test func forcedTransferMovesUnfrozenTokensWithTransferLog() {
        var state = Fixture.state()
        let receipt = run(.forcedTransfer(token: eurd, from: bob, to: carol, amount: 100), by: agent, on: &state)
        #expect(receipt == success(gas: 65_000, [transferLog(eurd, from: bob, to: carol, amount: 100)]))
        #expect(state.tokenState(eurd).holderCount == 4)
    }

    /// T-REX: frozen tokens are taken last, and what is taken is unfrozen first (logged before the Transfer).
    @Test func forcedTransferIgnoresPauseAndFreezesAndUnfreezesWhatItTakes() {
        var state = Fixture.state()
        run(.freezePartialTokens(token: eurd, account: bob, amount: 450), by: agent, on: &state)
        run(.setAddressFrozen(token: eurd, account: bob, frozen: true), by: agent, on: &state)
        run(.setAddressFrozen(token: eurd, account: carol, frozen: true), by: agent, on: &state)
        run(.pause(token: eurd), by: agent, on: &state)
        let receipt = run(.forcedTransfer(token: eurd, from: bob, to: carol, amount: 80), by: agent, on: &state)
        #expect(
            receipt
                == success(
                    gas: 65_000,
                    [
                        Log(address: eurd, topics: [Self.tokensUnfrozenTopic, topic(bob)], data: uintWord(30)),
                        transferLog(eurd, from: bob, to: carol, amount: 80),
                    ]))
        #expect(state.holding(token: eurd, holder: bob) == HoldingState(balance: 420, frozen: true, frozenAmount: 420))
        #expect(state.holding(token: eurd, holder: carol) == HoldingState(balance: 80, frozen: true, frozenAmount: 0))
    }

    @Test func forcedTransferBeyondBalanceFailsWithReason() {
        var state = Fixture.state()
        #expect(
            run(.forcedTransfer(token: eurd, from: bob, to: carol, amount: 501), by: agent, on: &state)
                == failure(gas: 65_000, "EURD: transfer amount exceeds balance"))
        #expect(
            run(.forcedTransfer(token: eurd, from: bob, to: .zero, amount: 1), by: agent, on: &state)
                == failure(gas: 65_000, "EURD: transfer to the zero address"))
    }

    @Test func pauseAndUnpauseLogTheAgent() {
        var state = Fixture.state()
        #expect(
            run(.pause(token: eurd), by: agent, on: &state)
                == success(gas: 30_000, [Log(address: eurd, topics: [Self.pausedTopic], data: addressWord(agent))]))
        #expect(state.tokenState(eurd).paused)
        #expect(
            run(.unpause(token: eurd), by: agent, on: &state)
                == success(gas: 30_000, [Log(address: eurd, topics: [Self.unpausedTopic], data: addressWord(agent))]))
        #expect(!state.tokenState(eurd).paused)
    }

    @Test func pausingTwiceOrUnpausingARunningTokenFails() {
        var state = Fixture.state()
        #expect(run(.unpause(token: eurd), by: agent, on: &state) == failure(gas: 30_000, "EURD: token is not paused"))
        run(.pause(token: eurd), by: agent, on: &state)
        #expect(
            run(.pause(token: eurd), by: agent, on: &state) == failure(gas: 30_000, "EURD: token is already paused"))
    }
}
