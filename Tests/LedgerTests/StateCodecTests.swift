import Ledger
import Primitives
import Testing

@Suite struct StateCodecTests {
    static let keys: [StateKey] = [
        .account(Fixture.alice),
        .holding(token: Fixture.eurdAddress, holder: Fixture.bob),
        .allowance(token: Fixture.eurdAddress, owner: Fixture.alice, spender: Fixture.carol),
        .token(Fixture.bondAddress),
    ]

    static let values: [StateValue] = [
        .account(.zero),
        .account(AccountState(nonce: 1, nativeBalance: 256)),
        .account(AccountState(nonce: .max, nativeBalance: .max)),
        .holding(.zero),
        .holding(HoldingState(balance: 1000, frozen: true, frozenAmount: 600)),
        .holding(HoldingState(balance: .max, frozen: false, frozenAmount: .max)),
        .allowance(.zero),
        .allowance(.max),
        .token(.zero),
        .token(TokenState(totalSupply: 1700, paused: true, holderCount: 3)),
        .token(TokenState(totalSupply: .max, paused: false, holderCount: .max)),
    ]

    @Test func keysRoundTrip() throws {
        for key in Self.keys {
            #expect(try StateKey(encoded: key.encoded) == key)
        }
    }

    @Test func keyEncodingIsTagThenAddresses() {
        #expect(StateKey.account(Fixture.alice).encoded == [0x01] + Fixture.alice.bytes)
        #expect(
            StateKey.holding(token: Fixture.eurdAddress, holder: Fixture.bob).encoded
                == [0x02] + Fixture.eurdAddress.bytes + Fixture.bob.bytes)
        #expect(
            StateKey.allowance(token: Fixture.eurdAddress, owner: Fixture.alice, spender: Fixture.carol).encoded
                == [0x03] + Fixture.eurdAddress.bytes + Fixture.alice.bytes + Fixture.carol.bytes)
        #expect(StateKey.token(Fixture.bondAddress).encoded == [0x04] + Fixture.bondAddress.bytes)
    }

    @Test func valuesRoundTrip() throws {
        for value in Self.values {
            #expect(try StateValue(encoded: value.encoded) == value)
        }
    }

    /// Compact: a length byte and minimal big-endian digits per number, a flags byte per record.
    @Test func valueEncodingIsCompact() {
        #expect(StateValue.account(.zero).encoded == [0x01, 0x00, 0x00])
        #expect(
            StateValue.account(AccountState(nonce: 1, nativeBalance: 256)).encoded == [
                0x01, 0x01, 0x01, 0x02, 0x01, 0x00,
            ])
        #expect(
            StateValue.holding(HoldingState(balance: 1000, frozen: true, frozenAmount: 600)).encoded
                == [0x02, 0x01, 0x02, 0x03, 0xe8, 0x02, 0x02, 0x58])
        #expect(StateValue.allowance(.max).encoded == [0x03, 0x20] + [UInt8](repeating: 0xff, count: 32))
        #expect(
            StateValue.token(TokenState(totalSupply: 1700, paused: true, holderCount: 3)).encoded
                == [0x04, 0x01, 0x02, 0x06, 0xa4, 0x01, 0x03])
    }

    @Test func refusesEveryTruncation() {
        for key in Self.keys {
            let bytes = key.encoded
            for length in 0..<bytes.count {
                #expect(throws: LedgerError.self) { try StateKey(encoded: Array(bytes.prefix(length))) }
            }
        }
        for value in Self.values {
            let bytes = value.encoded
            for length in 0..<bytes.count {
                #expect(throws: LedgerError.self) { try StateValue(encoded: Array(bytes.prefix(length))) }
            }
        }
    }

    @Test func refusesTrailingBytes() {
        for key in Self.keys {
            #expect(throws: LedgerError.malformedRecord(what: "state key", reason: "1 trailing bytes")) {
                try StateKey(encoded: key.encoded + [0x00])
            }
        }
        for value in Self.values {
            #expect(throws: LedgerError.malformedRecord(what: "state value", reason: "1 trailing bytes")) {
                try StateValue(encoded: value.encoded + [0x00])
            }
        }
    }

    @Test(arguments: [UInt8(0x00), 0x05, 0x11, 0xff])
    func refusesUnknownTags(_ tag: UInt8) {
        let reason = "unknown tag \(Hex.encode([tag])) (this build reads tags 0x01-0x04, format version 1)"
        #expect(throws: LedgerError.malformedRecord(what: "state key", reason: reason)) {
            try StateKey(encoded: [tag] + Fixture.alice.bytes)
        }
        #expect(throws: LedgerError.malformedRecord(what: "state value", reason: reason)) {
            try StateValue(encoded: [tag, 0x00, 0x00])
        }
    }

    /// One value, one encoding: state commitments may hash these bytes.
    @Test func refusesNonCanonicalNumbersAndFlags() {
        let refused: [[UInt8]] = [
            [0x01, 0x01, 0x00, 0x00],  // nonce 0 written as one zero byte
            [0x01, 0x02, 0x00, 0x01, 0x00],  // nonce with a leading zero byte
            [0x01, 0x09] + [UInt8](repeating: 1, count: 9) + [0x00],  // nonce of 9 bytes
            [0x03, 0x21] + [UInt8](repeating: 1, count: 33),  // amount of 33 bytes
            [0x02, 0x02, 0x00, 0x00],  // unknown holding flag bit
            [0x04, 0x80, 0x00, 0x00],  // unknown token flag bit
        ]
        for bytes in refused {
            #expect(throws: LedgerError.self, "\(Hex.encode(bytes))") { try StateValue(encoded: bytes) }
        }
    }

    @Test func storedRowRefusesKeyAndValueOfDifferentKinds() throws {
        let key = StateKey.account(Fixture.alice).encoded
        #expect(throws: LedgerError.mismatchedRecord(key: "account", value: "holding")) {
            try StateChange(encodedKey: key, encodedValue: StateValue.holding(.zero).encoded)
        }
        let change = try StateChange(encodedKey: key, encodedValue: StateValue.account(.zero).encoded)
        #expect(change == StateChange(key: .account(Fixture.alice), value: .account(.zero)))
    }

    /// takeChanges() and entries() sort keys; that order must be the encoded bytes' order.
    @Test func keyOrderIsEncodedByteOrder() {
        var keys = Self.keys
        for a in [Fixture.alice, Fixture.bob, Fixture.carol] {
            keys += [
                .account(a), .token(a), .holding(token: a, holder: Fixture.alice),
                .holding(token: Fixture.bondAddress, holder: a),
                .allowance(token: Fixture.eurdAddress, owner: a, spender: Fixture.alice),
                .allowance(token: Fixture.eurdAddress, owner: Fixture.bob, spender: a),
            ]
        }
        let byKey = keys.sorted()
        let byBytes = keys.sorted { $0.encoded.lexicographicallyPrecedes($1.encoded) }
        #expect(byKey == byBytes)
    }
}
