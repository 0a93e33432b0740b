import Ledger
import Primitives
import Testing

/// Native transfers and the holder-initiated ERC-20 calls: transfer, transferFrom, approve.
@Suite struct TransferTests {
    let eurd = Fixture.eurdAddress
    let alice = Fixture.alice
    let bob = Fixture.bob
    let carol = Fixture.carol
    let agent = Fixture.agent

    // MARK: - Native currency

    @Test func nativeTransferMovesValueWithoutLogs() {
        var state = Fixture.state()
        let receipt = run(.nativeTransfer(to: carol, amount: 250_000), by: alice, on: &state)
        #expect(receipt == success(gas: 21_000, []))
        #expect(state.account(alice) == AccountState(nonce: 1, nativeBalance: 750_000))
        #expect(state.account(carol) == AccountState(nonce: 0, nativeBalance: 250_000))
    }

    @Test func nativeTransferBeyondBalanceFailsWithReason() {
        var state = Fixture.state()
        let receipt = run(.nativeTransfer(to: carol, amount: 1_000_001), by: alice, on: &state)
        #expect(receipt == failure(gas: 21_000, "insufficient native balance"))
        #expect(state.account(alice) == AccountState(nonce: 1, nativeBalance: 1_000_000))
        #expect(state.account(carol) == .zero)
    }

    @Test func nativeTransferToATokenFails() {
        var state = Fixture.state()
        let receipt = run(.nativeTransfer(to: eurd, amount: 1), by: alice, on: &state)
        #expect(receipt == failure(gas: 21_000, "token EURD does not accept native currency"))
    }

    @Test func nativeTransferOverflowFailsInsteadOfTrapping() {
        var state = Fixture.state()
        state.load(StateChange(key: .account(carol), value: .account(AccountState(nonce: 0, nativeBalance: .max))))
        let receipt = run(.nativeTransfer(to: carol, amount: 1), by: alice, on: &state)
        #expect(receipt == failure(gas: 21_000, "native balance overflow"))
    }

    // MARK: - transfer

    @Test func transferSucceedsWithTransferLog() {
        var state = Fixture.state()
        let receipt = run(.transfer(token: eurd, to: carol, amount: 300), by: alice, on: &state)
        #expect(
            receipt
                == success(
                    gas: 50_000,
                    [
                        Log(
                            address: eurd,
                            topics: [
                                try! Hash32(hex: "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"),
                                try! Hash32(hex: "0x000000000000000000000000a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"),
                                try! Hash32(hex: "0x000000000000000000000000c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"),
                            ],
                            data: [UInt8](repeating: 0, count: 30) + [0x01, 0x2c])
                    ]))
        #expect(state.holding(token: eurd, holder: alice).balance == 700)
        #expect(state.holding(token: eurd, holder: carol).balance == 300)
        #expect(state.tokenState(eurd) == TokenState(totalSupply: 1700, paused: false, holderCount: 4))
    }

    @Test func transferBeyondBalanceFailsWithReason() {
        var state = Fixture.state()
        #expect(
            run(.transfer(token: eurd, to: carol, amount: 1001), by: alice, on: &state)
                == failure(gas: 50_000, "EURD: transfer amount exceeds balance"))
    }

    @Test func transferFromFrozenSenderFailsWithReason() {
        var state = Fixture.state()
        run(.setAddressFrozen(token: eurd, account: alice, frozen: true), by: agent, on: &state)
        #expect(
            run(.transfer(token: eurd, to: bob, amount: 1), by: alice, on: &state)
                == failure(gas: 50_000, "EURD: sender address is frozen"))
    }

    @Test func transferToFrozenRecipientFailsWithReason() {
        var state = Fixture.state()
        run(.setAddressFrozen(token: eurd, account: bob, frozen: true), by: agent, on: &state)
        #expect(
            run(.transfer(token: eurd, to: bob, amount: 1), by: alice, on: &state)
                == failure(gas: 50_000, "EURD: recipient address is frozen"))
    }

    @Test func transferOfPartiallyFrozenTokensFailsWithReason() {
        var state = Fixture.state()
        run(.freezePartialTokens(token: eurd, account: alice, amount: 600), by: agent, on: &state)
        #expect(
            run(.transfer(token: eurd, to: bob, amount: 401), by: alice, on: &state)
                == failure(gas: 50_000, "EURD: transfer amount exceeds unfrozen balance"))
        #expect(run(.transfer(token: eurd, to: bob, amount: 400), by: alice, on: &state).succeeded)
        #expect(
            state.holding(token: eurd, holder: alice) == HoldingState(balance: 600, frozen: false, frozenAmount: 600))
    }

    @Test func transferWhilePausedFailsWithReason() {
        var state = Fixture.state()
        run(.pause(token: eurd), by: agent, on: &state)
        #expect(
            run(.transfer(token: eurd, to: bob, amount: 1), by: alice, on: &state)
                == failure(gas: 50_000, "EURD: token is paused"))
        run(.unpause(token: eurd), by: agent, on: &state)
        #expect(run(.transfer(token: eurd, to: bob, amount: 1), by: alice, on: &state).succeeded)
    }

    @Test func transferToTheZeroAddressFails() {
        var state = Fixture.state()
        #expect(
            run(.transfer(token: eurd, to: .zero, amount: 1), by: alice, on: &state)
                == failure(gas: 50_000, "EURD: transfer to the zero address"))
    }

    @Test func transferOfUnknownTokenFails() {
        var state = Fixture.state()
        #expect(
            run(.transfer(token: carol, to: bob, amount: 1), by: alice, on: &state)
                == failure(gas: 50_000, "no token is configured at \(carol)"))
    }

    @Test func transferToSelfLogsButMovesNothing() {
        var state = Fixture.state()
        let receipt = run(.transfer(token: eurd, to: alice, amount: 1000), by: alice, on: &state)
        #expect(receipt == success(gas: 50_000, [transferLog(eurd, from: alice, to: alice, amount: 1000)]))
        #expect(state.holding(token: eurd, holder: alice).balance == 1000)
        #expect(state.tokenState(eurd).holderCount == 3)
    }

    @Test func transferOfZeroLogsAndKeepsHolderCount() {
        var state = Fixture.state()
        let receipt = run(.transfer(token: eurd, to: bob, amount: 0), by: carol, on: &state)
        #expect(receipt == success(gas: 50_000, [transferLog(eurd, from: carol, to: bob, amount: 0)]))
        #expect(state.tokenState(eurd).holderCount == 3)
    }

    @Test func transferOfWholeBalanceLowersHolderCount() {
        var state = Fixture.state()
        run(.transfer(token: eurd, to: bob, amount: 1000), by: alice, on: &state)
        #expect(state.tokenState(eurd) == TokenState(totalSupply: 1700, paused: false, holderCount: 2))
    }

    // MARK: - approve and transferFrom

    @Test func approveSetsAllowanceWithApprovalLog() {
        var state = Fixture.state()
        let receipt = run(.approve(token: eurd, spender: carol, amount: 250), by: alice, on: &state)
        #expect(
            receipt
                == success(
                    gas: 45_000,
                    [
                        Log(
                            address: eurd,
                            topics: [
                                try! Hash32(hex: "0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925"),
                                topic(alice), topic(carol),
                            ],
                            data: uintWord(250))
                    ]))
        #expect(state.allowance(token: eurd, owner: alice, spender: carol) == 250)
        run(.approve(token: eurd, spender: carol, amount: 7), by: alice, on: &state)
        #expect(state.allowance(token: eurd, owner: alice, spender: carol) == 7)
    }

    @Test func approveToTheZeroAddressFails() {
        var state = Fixture.state()
        #expect(
            run(.approve(token: eurd, spender: .zero, amount: 1), by: alice, on: &state)
                == failure(gas: 45_000, "EURD: approve to the zero address"))
    }

    @Test func transferFromSpendsAllowanceWithTransferLog() {
        var state = Fixture.state()
        run(.approve(token: eurd, spender: carol, amount: 250), by: alice, on: &state)
        let receipt = run(.transferFrom(token: eurd, from: alice, to: bob, amount: 200), by: carol, on: &state)
        #expect(receipt == success(gas: 60_000, [transferLog(eurd, from: alice, to: bob, amount: 200)]))
        #expect(state.allowance(token: eurd, owner: alice, spender: carol) == 50)
        #expect(state.holding(token: eurd, holder: alice).balance == 800)
        #expect(state.holding(token: eurd, holder: bob).balance == 700)
    }

    @Test func transferFromBeyondAllowanceFailsWithReason() {
        var state = Fixture.state()
        run(.approve(token: eurd, spender: carol, amount: 250), by: alice, on: &state)
        #expect(
            run(.transferFrom(token: eurd, from: alice, to: bob, amount: 251), by: carol, on: &state)
                == failure(gas: 60_000, "EURD: insufficient allowance"))
        #expect(state.allowance(token: eurd, owner: alice, spender: carol) == 250)
    }

    @Test func transferFromBeyondBalanceFailsEvenWithAllowance() {
        var state = Fixture.state()
        run(.approve(token: eurd, spender: carol, amount: .max), by: alice, on: &state)
        #expect(
            run(.transferFrom(token: eurd, from: alice, to: bob, amount: 1001), by: carol, on: &state)
                == failure(gas: 60_000, "EURD: transfer amount exceeds balance"))
    }

    /// As OpenZeppelin: the maximum allowance means "unlimited" and is never decreased.
    @Test func transferFromWithInfiniteAllowanceKeepsIt() {
        var state = Fixture.state()
        run(.approve(token: eurd, spender: carol, amount: .max), by: alice, on: &state)
        _ = state.takeChanges()
        #expect(run(.transferFrom(token: eurd, from: alice, to: bob, amount: 100), by: carol, on: &state).succeeded)
        #expect(state.allowance(token: eurd, owner: alice, spender: carol) == .max)
        #expect(!state.takeChanges().contains { $0.key == .allowance(token: eurd, owner: alice, spender: carol) })
    }

    @Test func transferFromFrozenAddressFailsWithReason() {
        var state = Fixture.state()
        run(.approve(token: eurd, spender: carol, amount: 100), by: alice, on: &state)
        run(.setAddressFrozen(token: eurd, account: alice, frozen: true), by: agent, on: &state)
        #expect(
            run(.transferFrom(token: eurd, from: alice, to: bob, amount: 1), by: carol, on: &state)
                == failure(gas: 60_000, "EURD: from address is frozen"))
    }

    @Test func transferFromToFrozenRecipientFailsWithReason() {
        var state = Fixture.state()
        run(.approve(token: eurd, spender: carol, amount: 100), by: alice, on: &state)
        run(.setAddressFrozen(token: eurd, account: bob, frozen: true), by: agent, on: &state)
        #expect(
            run(.transferFrom(token: eurd, from: alice, to: bob, amount: 1), by: carol, on: &state)
                == failure(gas: 60_000, "EURD: recipient address is frozen"))
    }

    /// As T-REX: the freeze protects the holder's tokens; a frozen spender may still move approved ones.
    @Test func transferFromByFrozenSpenderIsAllowed() {
        var state = Fixture.state()
        run(.approve(token: eurd, spender: carol, amount: 100), by: alice, on: &state)
        run(.setAddressFrozen(token: eurd, account: carol, frozen: true), by: agent, on: &state)
        #expect(run(.transferFrom(token: eurd, from: alice, to: bob, amount: 1), by: carol, on: &state).succeeded)
    }

    @Test func transferFromOfPartiallyFrozenTokensFailsWithReason() {
        var state = Fixture.state()
        run(.approve(token: eurd, spender: carol, amount: 1000), by: alice, on: &state)
        run(.freezePartialTokens(token: eurd, account: alice, amount: 1), by: agent, on: &state)
        #expect(
            run(.transferFrom(token: eurd, from: alice, to: bob, amount: 1000), by: carol, on: &state)
                == failure(gas: 60_000, "EURD: transfer amount exceeds unfrozen balance"))
    }

    @Test func transferFromWhilePausedFailsWithReason() {
        var state = Fixture.state()
        run(.approve(token: eurd, spender: carol, amount: 100), by: alice, on: &state)
        run(.pause(token: eurd), by: agent, on: &state)
        #expect(
            run(.transferFrom(token: eurd, from: alice, to: bob, amount: 1), by: carol, on: &state)
                == failure(gas: 60_000, "EURD: token is paused"))
    }

    @Test func approveWorksWhilePausedAndFrozen() {
        var state = Fixture.state()
        run(.pause(token: eurd), by: agent, on: &state)
        run(.setAddressFrozen(token: eurd, account: alice, frozen: true), by: agent, on: &state)
        #expect(run(.approve(token: eurd, spender: carol, amount: 1), by: alice, on: &state).succeeded)
    }
}
