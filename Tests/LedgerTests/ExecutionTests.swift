import Ledger
import Primitives
import Testing

/// What every operation shares: nonces, gas, and the failed-changes-nothing rule.
@Suite struct ExecutionTests {
    let eurd = Fixture.eurdAddress
    let alice = Fixture.alice

    @Test func nonceMismatchThrowsAndChangesNothing() {
        var state = Fixture.state()
        run(.nativeTransfer(to: Fixture.bob, amount: 1), by: alice, on: &state)
        _ = state.takeChanges()
        let before = state.entries()
        for wrong: UInt64 in [0, 2, .max] {
            #expect(throws: LedgerError.nonceMismatch(sender: alice, expected: 1, actual: wrong)) {
                try StateTransition.execute(
                    .transfer(token: eurd, to: Fixture.bob, amount: 1), sender: alice, nonce: wrong, state: &state)
            }
        }
        #expect(state.entries() == before)
        #expect(!state.hasChanges)
    }

    @Test func nonceMismatchMessageSaysWhatToUse() {
        #expect(
            LedgerError.nonceMismatch(sender: alice, expected: 3, actual: 1).description
                == "nonce 1 of \(alice) is already used; its next nonce is 3")
        #expect(
            LedgerError.nonceMismatch(sender: alice, expected: 3, actual: 5).description
                == "nonce 5 of \(alice) is too high: earlier transactions are missing; its next nonce is 3")
    }

    /// EIP-2681: the last nonce cannot be used (the validator refuses it first; the ledger never traps).
    @Test func exhaustedNonceThrows() {
        var state = Fixture.state()
        state.load(StateChange(key: .account(alice), value: .account(AccountState(nonce: .max, nativeBalance: 1))))
        #expect(throws: LedgerError.nonceExhausted(sender: alice)) {
            try StateTransition.execute(
                .nativeTransfer(to: alice, amount: 0), sender: alice, nonce: .max, state: &state)
        }
    }

    @Test func everyExecutionConsumesTheNonce() {
        var state = Fixture.state()
        #expect(run(.nativeTransfer(to: Fixture.bob, amount: 1), by: alice, on: &state).succeeded)
        #expect(!run(.mint(token: eurd, to: alice, amount: 1), by: alice, on: &state).succeeded)
        #expect(state.account(alice).nonce == 2)
    }

    static let failing: [(Operation, Address)] = [
        (.nativeTransfer(to: Fixture.bob, amount: 2_000_000), Fixture.alice),
        (.transfer(token: Fixture.eurdAddress, to: Fixture.bob, amount: 1001), Fixture.alice),
        (.transfer(token: Fixture.eurdAddress, to: .zero, amount: 1), Fixture.alice),
        (.transferFrom(token: Fixture.eurdAddress, from: Fixture.alice, to: Fixture.bob, amount: 1), Fixture.carol),
        (.approve(token: Fixture.eurdAddress, spender: .zero, amount: 1), Fixture.alice),
        (.mint(token: Fixture.eurdAddress, to: Fixture.alice, amount: 1), Fixture.alice),
        (.mint(token: Fixture.eurdAddress, to: Fixture.alice, amount: 1_000_000), Fixture.issuer),
        (.burn(token: Fixture.eurdAddress, amount: 201), Fixture.issuer),
        (.burnFrom(token: Fixture.eurdAddress, from: Fixture.alice, amount: 1), Fixture.issuer),
        (.setAddressFrozen(token: Fixture.eurdAddress, account: Fixture.bob, frozen: true), Fixture.issuer),
        (.freezePartialTokens(token: Fixture.eurdAddress, account: Fixture.bob, amount: 501), Fixture.agent),
        (.unfreezePartialTokens(token: Fixture.eurdAddress, account: Fixture.bob, amount: 1), Fixture.agent),
        (.forcedTransfer(token: Fixture.eurdAddress, from: Fixture.bob, to: Fixture.alice, amount: 501), Fixture.agent),
        (.unpause(token: Fixture.eurdAddress), Fixture.agent),
        (.pause(token: Fixture.carol), Fixture.agent),
    ]

    @Test(arguments: 0..<failing.count)
    func failedOperationChangesNothingButTheNonce(_ index: Int) {
        let (operation, sender) = Self.failing[index]
        var state = Fixture.state()
        let before = entries(state, except: sender)
        let account = state.account(sender)
        let receipt = run(operation, by: sender, on: &state)
        #expect(!receipt.succeeded, "\(operation)")
        #expect(receipt.logs.isEmpty)
        #expect(receipt.gasUsed == operation.gasCost)
        #expect(receipt.revertData == ABI.encodeRevert(receipt.revertReason ?? "?"))
        #expect(entries(state, except: sender) == before)
        #expect(state.account(sender) == AccountState(nonce: account.nonce + 1, nativeBalance: account.nativeBalance))
        #expect(state.takeChanges().map(\.key) == [.account(sender)])
    }
}

@Suite struct RejectionTests {
    @Test func rejectedOperationConsumesNonceAndChangesNothingElse() throws {
        let token = try Address(hex: "0xe0d0000000000000000000000000000000000001")
        let alice = PrivateKey.generate().address
        let bob = PrivateKey.generate().address
        var state = try LedgerState.genesis(
            tokens: [TokenDefinition(address: token, symbol: "EURD", name: "Euro", decimals: 6, issuers: [], agents: [], supplyCap: nil)],
            nativeBalances: [alice: 10], tokenBalances: [token: [alice: 100]])
        _ = state.takeChanges()
        let receipt = try StateTransition.reject(
            .transfer(token: token, to: bob, amount: 5), sender: alice, nonce: 0, reason: "eurd-daily: limit", state: &state)
        #expect(!receipt.succeeded)
        #expect(receipt.revertReason == "eurd-daily: limit")
        #expect(receipt.logs.isEmpty)
        #expect(state.account(alice).nonce == 1)
        #expect(state.holding(token: token, holder: alice).balance == 100)
        #expect(state.takeChanges().map(\.key) == [.account(alice)])
        #expect(throws: LedgerError.self) {
            try StateTransition.reject(.transfer(token: token, to: bob, amount: 5), sender: alice, nonce: 0, reason: "x", state: &state)
        }
    }
}
