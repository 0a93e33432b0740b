import Ledger
import Primitives
import TestSupport
import Testing

/// eth_call answers, byte for byte as a Solidity ERC-20 / T-REX token returns them.
@Suite struct TokenViewTests {
    let eurd = Fixture.eurdAddress
    let alice = Fixture.alice
    let bob = Fixture.bob

    func call(
        _ selector: UInt32, _ arguments: [[UInt8]] = [], on state: LedgerState? = nil
    ) throws(LedgerError) -> [UInt8] {
        try TokenView.call(
            to: eurd,
            data: [
                UInt8(selector >> 24), UInt8(selector >> 16 & 0xff), UInt8(selector >> 8 & 0xff),
                UInt8(selector & 0xff),
            ] + arguments.flatMap { $0 },
            state: state ?? Fixture.state())
    }

    @Test func balanceOfAnswersOneWord() throws {
        #expect(try call(0x70a0_8231, [addressWord(alice)]) == [UInt8](repeating: 0, count: 30) + [0x03, 0xe8])
        #expect(try call(0x70a0_8231, [addressWord(Fixture.carol)]) == uintWord(0))
    }

    @Test func totalSupplyAndDecimalsAnswerOneWord() throws {
        #expect(try call(0x1816_0ddd) == uintWord(1700))
        #expect(try call(0x313c_e567) == uintWord(6))
    }

    @Test func symbolAndNameAreDynamicStrings() throws {
        #expect(
            try call(0x95d8_9b41)
                == bytes(
                    fromHex:
                        "0000000000000000000000000000000000000000000000000000000000000020"
                        + "0000000000000000000000000000000000000000000000000000000000000004"
                        + "4555524400000000000000000000000000000000000000000000000000000000"))
        let name = Array("Euro Deposit Token".utf8)
        #expect(try call(0x06fd_de03) == uintWord(32) + uintWord(18) + name + [UInt8](repeating: 0, count: 14))
    }

    @Test func allowanceAndFreezeViewsAnswerOneWord() throws {
        var state = Fixture.state()
        run(.approve(token: eurd, spender: bob, amount: .max), by: alice, on: &state)
        run(.setAddressFrozen(token: eurd, account: bob, frozen: true), by: Fixture.agent, on: &state)
        run(.freezePartialTokens(token: eurd, account: alice, amount: 42), by: Fixture.agent, on: &state)
        run(.pause(token: eurd), by: Fixture.agent, on: &state)
        #expect(
            try call(0xdd62_ed3e, [addressWord(alice), addressWord(bob)], on: state)
                == [UInt8](repeating: 0xff, count: 32))
        #expect(try call(0xdd62_ed3e, [addressWord(bob), addressWord(alice)], on: state) == uintWord(0))
        #expect(try call(ABI.Selector.isFrozen, [addressWord(bob)], on: state) == uintWord(1))
        #expect(try call(ABI.Selector.isFrozen, [addressWord(alice)], on: state) == uintWord(0))
        #expect(try call(ABI.Selector.getFrozenTokens, [addressWord(alice)], on: state) == uintWord(42))
        #expect(try call(ABI.Selector.paused, on: state) == uintWord(1))
    }

    @Test func refusesAnAddressThatIsNotAToken() {
        #expect(throws: LedgerError.notAToken(bob)) {
            try TokenView.call(to: bob, data: [0x18, 0x16, 0x0d, 0xdd], state: Fixture.state())
        }
    }

    @Test func refusesUnknownSelectorNamingTheViews() {
        let error = #expect(throws: LedgerError.self) { try call(0xdead_beef) }
        #expect(
            error?.description
                == "unknown function selector 0xdeadbeef on token EURD (supported: balanceOf, totalSupply, decimals, symbol, name, allowance, isFrozen, getFrozenTokens, paused)"
        )
    }

    @Test func refusesStateChangingFunctions() {
        #expect(throws: LedgerError.notAView(function: "transfer", symbol: "EURD")) {
            try call(0xa905_9cbb, [addressWord(bob), uintWord(1)])
        }
    }

    @Test func refusesWrongLengthAndDirtyAddressWords() {
        #expect(throws: LedgerError.wrongCalldataLength(function: "balanceOf", expected: 36, actual: 4)) {
            try call(0x70a0_8231)
        }
        #expect(throws: LedgerError.wrongCalldataLength(function: "totalSupply", expected: 4, actual: 36)) {
            try call(0x1816_0ddd, [uintWord(0)])
        }
        var dirty = addressWord(alice)
        dirty[0] = 1
        #expect(throws: LedgerError.self) { try call(0x70a0_8231, [dirty]) }
        #expect(throws: LedgerError.missingFunctionSelector(symbol: "EURD", byteCount: 2)) {
            try TokenView.call(to: eurd, data: [0x70, 0xa0], state: Fixture.state())
        }
    }
}
