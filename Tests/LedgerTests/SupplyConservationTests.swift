import Ledger
import Primitives
import Testing

/// Random operation sequences against the invariants every state must keep.
@Suite struct SupplyConservationTests {
    /// SplitMix64: small, seedable, the same sequence on every platform.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
    }

    static let holders = [Fixture.alice, Fixture.bob, Fixture.carol, Fixture.issuer, Fixture.agent, address(0xd4)]
    static let tokens = [Fixture.eurdAddress, Fixture.bondAddress]

    static func amount(_ random: inout SeededGenerator) -> UInt256 {
        switch random.next() % 10 {
        case 0: return .zero
        case 1: return .max
        case 2: return UInt256.max.checkedSubtracting(UInt256(random.next() % 3))!
        case 3: return UInt256(random.next() % 2_000_000)
        default: return UInt256(random.next() % 700)
        }
    }

    static func operation(_ random: inout SeededGenerator) -> Operation {
        func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
        let token = pick(tokens)
        let a = pick(holders + [.zero])
        let b = pick(holders)
        let value = amount(&random)
        switch random.next() % 13 {
        case 0: return .nativeTransfer(to: a, amount: value)
        case 1: return .transfer(token: token, to: a, amount: value)
        case 2: return .transferFrom(token: token, from: b, to: a, amount: value)
        case 3: return .approve(token: token, spender: a, amount: value)
        case 4: return .mint(token: token, to: a, amount: value)
        case 5: return .burn(token: token, amount: value)
        case 6: return .burnFrom(token: token, from: b, amount: value)
        case 7: return .setAddressFrozen(token: token, account: a, frozen: random.next() % 3 == 0)
        case 8: return .freezePartialTokens(token: token, account: b, amount: value)
        case 9: return .unfreezePartialTokens(token: token, account: b, amount: value)
        case 10: return .forcedTransfer(token: token, from: b, to: a, amount: value)
        case 11: return .pause(token: token)
        default: return .unpause(token: token)
        }
    }

    /// Sum of balances == totalSupply, holderCount == holders with a balance, frozen ≤ balance.
    static func checkInvariants(_ state: LedgerState, step: Int) {
        for token in tokens {
            var sum = UInt256.zero
            var count: UInt64 = 0
            for entry in state.entries() {
                guard case .holding(let t, _) = entry.key, t == token, case .holding(let holding) = entry.value else {
                    continue
                }
                sum = sum + holding.balance
                if !holding.balance.isZero { count += 1 }
                #expect(holding.frozenAmount <= holding.balance, "step \(step)")
            }
            #expect(state.tokenState(token).totalSupply == sum, "step \(step): supply of \(token)")
            #expect(state.tokenState(token).holderCount == count, "step \(step): holders of \(token)")
        }
    }

    @Test(arguments: [UInt64(1), 2, 3, 0xc0ffee])
    func randomSequencesConserveSupplyAndHolderCount(seed: UInt64) throws {
        var random = SeededGenerator(state: seed)
        var state = Fixture.state()
        // A store that only ever sees takeChanges(): it must end up identical to the ledger.
        var mirror = try LedgerState(tokens: Array(state.tokens.values))
        for entry in state.entries() { mirror.load(entry) }
        var succeeded = 0

        for step in 0..<1500 {
            let operation = Self.operation(&random)
            let sender = Self.holders[Int(random.next() % UInt64(Self.holders.count))]
            let before = state
            let receipt = run(operation, by: sender, on: &state)
            if receipt.succeeded { succeeded += 1 }
            let changes = state.takeChanges()

            // Exactly the changed records: each reported one differs, nothing else does.
            for change in changes {
                #expect(before.value(of: change.key) != change.value, "step \(step): \(change.key) reported unchanged")
            }
            let reported = Set(changes.map(\.key))
            #expect(reported.contains(.account(sender)), "step \(step)")
            for entry in before.entries() + state.entries() where !reported.contains(entry.key) {
                #expect(
                    before.value(of: entry.key) == state.value(of: entry.key),
                    "step \(step): \(entry.key) changed unreported")
            }
            if !receipt.succeeded {
                #expect(reported == [.account(sender)], "step \(step): failed \(operation) changed more than the nonce")
            }

            for change in changes { mirror.load(change) }
            Self.checkInvariants(state, step: step)
        }
        #expect(mirror.entries() == state.entries())
        // The sequence must exercise both outcomes to mean anything.
        #expect(succeeded > 200)
        #expect(succeeded < 1400)
    }
}
