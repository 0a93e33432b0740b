import Ledger
import Primitives
import Testing

/// mint, burn and burnFrom: issuer-only, supply-changing.
@Suite struct IssuerTests {
    let eurd = Fixture.eurdAddress
    let bond = Fixture.bondAddress
    let issuer = Fixture.issuer
    let alice = Fixture.alice
    let bob = Fixture.bob
    let carol = Fixture.carol
    let agent = Fixture.agent

    @Test func mintCreatesSupplyAndLogsTransferFromZero() {
        var state = Fixture.state()
        let receipt = run(.mint(token: eurd, to: carol, amount: 5000), by: issuer, on: &state)
        #expect(
            receipt
                == success(
                    gas: 55_000,
                    [
                        Log(
                            address: eurd, topics: [transferTopic, Hash32.zero, topic(carol)],
                            data: [UInt8](repeating: 0, count: 30) + [0x13, 0x88])
                    ]))
        #expect(state.holding(token: eurd, holder: carol).balance == 5000)
        #expect(state.tokenState(eurd) == TokenState(totalSupply: 6700, paused: false, holderCount: 4))
    }

    @Test func mintByNonIssuerFailsWithReason() {
        var state = Fixture.state()
        for sender in [alice, agent] {
            #expect(
                run(.mint(token: eurd, to: sender, amount: 1), by: sender, on: &state)
                    == failure(gas: 55_000, "EURD: caller is not an issuer"))
        }
        #expect(state.tokenState(eurd).totalSupply == 1700)
    }

    @Test func mintBeyondSupplyCapFailsWithReason() {
        var state = Fixture.state()
        #expect(
            run(.mint(token: eurd, to: carol, amount: 998_301), by: issuer, on: &state)
                == failure(gas: 55_000, "EURD: mint exceeds supply cap"))
        #expect(run(.mint(token: eurd, to: carol, amount: 998_300), by: issuer, on: &state).succeeded)
        #expect(state.tokenState(eurd).totalSupply == 1_000_000)
        #expect(
            run(.mint(token: eurd, to: carol, amount: 1), by: issuer, on: &state)
                == failure(gas: 55_000, "EURD: mint exceeds supply cap"))
    }

    @Test func mintOverflowFailsInsteadOfTrapping() {
        var state = Fixture.state()
        #expect(run(.mint(token: bond, to: alice, amount: .max), by: issuer, on: &state).succeeded)
        #expect(
            run(.mint(token: bond, to: bob, amount: 1), by: issuer, on: &state)
                == failure(gas: 55_000, "BOND: total supply overflow"))
        #expect(state.tokenState(bond) == TokenState(totalSupply: .max, paused: false, holderCount: 1))
    }

    @Test func mintToTheZeroAddressFails() {
        var state = Fixture.state()
        #expect(
            run(.mint(token: eurd, to: .zero, amount: 1), by: issuer, on: &state)
                == failure(gas: 55_000, "EURD: mint to the zero address"))
    }

    /// As T-REX's agent mint: pause and freezes do not bind the issuer.
    @Test func mintIgnoresPauseAndFreeze() {
        var state = Fixture.state()
        run(.pause(token: eurd), by: agent, on: &state)
        run(.setAddressFrozen(token: eurd, account: carol, frozen: true), by: agent, on: &state)
        #expect(run(.mint(token: eurd, to: carol, amount: 1), by: issuer, on: &state).succeeded)
    }

    @Test func burnDestroysIssuerBalanceAndLogsTransferToZero() {
        var state = Fixture.state()
        let receipt = run(.burn(token: eurd, amount: 200), by: issuer, on: &state)
        #expect(
            receipt
                == success(
                    gas: 40_000,
                    [Log(address: eurd, topics: [transferTopic, topic(issuer), Hash32.zero], data: uintWord(200))]))
        #expect(state.holding(token: eurd, holder: issuer) == .zero)
        #expect(state.tokenState(eurd) == TokenState(totalSupply: 1500, paused: false, holderCount: 2))
    }

    @Test func burnByNonIssuerFailsWithReason() {
        var state = Fixture.state()
        #expect(
            run(.burn(token: eurd, amount: 1), by: alice, on: &state)
                == failure(gas: 40_000, "EURD: caller is not an issuer"))
        #expect(state.holding(token: eurd, holder: alice).balance == 1000)
    }

    @Test func burnBeyondBalanceFailsWithReason() {
        var state = Fixture.state()
        #expect(
            run(.burn(token: eurd, amount: 201), by: issuer, on: &state)
                == failure(gas: 40_000, "EURD: burn amount exceeds balance"))
    }

    @Test func burnOfFrozenTokensFailsWithReason() {
        var state = Fixture.state()
        run(.freezePartialTokens(token: eurd, account: issuer, amount: 150), by: agent, on: &state)
        #expect(
            run(.burn(token: eurd, amount: 51), by: issuer, on: &state)
                == failure(gas: 40_000, "EURD: burn amount exceeds unfrozen balance"))
        run(.setAddressFrozen(token: eurd, account: issuer, frozen: true), by: agent, on: &state)
        #expect(
            run(.burn(token: eurd, amount: 1), by: issuer, on: &state)
                == failure(gas: 40_000, "EURD: sender address is frozen"))
    }

    @Test func burnFromSpendsAllowanceAndLogsTransferToZero() {
        var state = Fixture.state()
        run(.approve(token: eurd, spender: issuer, amount: 300), by: alice, on: &state)
        let receipt = run(.burnFrom(token: eurd, from: alice, amount: 250), by: issuer, on: &state)
        #expect(
            receipt
                == success(
                    gas: 50_000,
                    [Log(address: eurd, topics: [transferTopic, topic(alice), Hash32.zero], data: uintWord(250))]))
        #expect(state.allowance(token: eurd, owner: alice, spender: issuer) == 50)
        #expect(state.holding(token: eurd, holder: alice).balance == 750)
        #expect(state.tokenState(eurd).totalSupply == 1450)
    }

    @Test func burnFromBeyondAllowanceFailsWithReason() {
        var state = Fixture.state()
        run(.approve(token: eurd, spender: issuer, amount: 10), by: alice, on: &state)
        #expect(
            run(.burnFrom(token: eurd, from: alice, amount: 11), by: issuer, on: &state)
                == failure(gas: 50_000, "EURD: insufficient allowance"))
    }

    @Test func burnFromByNonIssuerFailsWithReason() {
        var state = Fixture.state()
        run(.approve(token: eurd, spender: carol, amount: 10), by: alice, on: &state)
        #expect(
            run(.burnFrom(token: eurd, from: alice, amount: 1), by: carol, on: &state)
                == failure(gas: 50_000, "EURD: caller is not an issuer"))
    }

    @Test func burnFromFrozenAddressFailsWithReason() {
        var state = Fixture.state()
        run(.approve(token: eurd, spender: issuer, amount: 10), by: alice, on: &state)
        run(.setAddressFrozen(token: eurd, account: alice, frozen: true), by: agent, on: &state)
        #expect(
            run(.burnFrom(token: eurd, from: alice, amount: 1), by: issuer, on: &state)
                == failure(gas: 50_000, "EURD: from address is frozen"))
    }

    @Test func burnWorksWhilePaused() {
        var state = Fixture.state()
        run(.pause(token: eurd), by: agent, on: &state)
        #expect(run(.burn(token: eurd, amount: 1), by: issuer, on: &state).succeeded)
    }
}
