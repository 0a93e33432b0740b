import Ledger
import Policy
import Primitives
import Testing

/// Rolling windows: several at once, expiry, persistence.
@Suite struct TransferWindowsTests {
    let eurd = Fixture.eurd
    static let rules = """
        [[rule]]
        id = "eurd-velocity"
        kind = "transfer_limit"
        asset = "EURD"
        windows = [
            { period = "1h", max = "100" },
            { period = "24h", max = "300" },
            { period = "7d", max = "1000" },
        ]
        """

    func send(_ whole: UInt64) -> Operation {
        .transfer(token: eurd, to: Fixture.carol, amount: Fixture.eurdUnits(whole))
    }

    @Test func severalWindowsApplyAtOnceAndTheFirstExceededDecides() throws {
        let engine = try Fixture.engine(rules: Self.rules)
        var windows = TransferWindows()
        let now = Fixture.now
        // 250 over the last day, 80 of it in the last hour.
        windows.record(
            sender: Fixture.alice, asset: eurd, amount: Fixture.eurdUnits(170), at: now - 20 * 3_600,
            policy: engine.policy)
        windows.record(
            sender: Fixture.alice, asset: eurd, amount: Fixture.eurdUnits(80), at: now - 1_800, policy: engine.policy)

        expectDenied(
            engine.decide(send(30), by: Fixture.alice, windows: windows), "eurd-velocity",
            "hourly limit of 100 EURD exceeded: 80 sent in the last 1 h, this transfer 30")
        expectAllowed(engine.decide(send(20), by: Fixture.alice, windows: windows))

        // Two hours later the hourly window is clear, but the daily one still holds 250.
        let later = now + 2 * 3_600
        let daily = engine.decide(send(60), by: Fixture.alice, at: later, windows: windows)
        expectDenied(
            daily, "eurd-velocity", "daily limit of 300 EURD exceeded: 250 sent in the last 24 h, this transfer 60")
        expectAllowed(engine.decide(send(50), by: Fixture.alice, at: later, windows: windows))

        // Five days of 250 a day (recorded a day apart) hit the weekly window while each day stays under 300.
        var busy = TransferWindows()
        for day in 1...4 {
            busy.record(
                sender: Fixture.alice, asset: eurd, amount: Fixture.eurdUnits(250), at: now - UInt64(day) * 86_400,
                policy: engine.policy)
        }
        expectDenied(
            engine.decide(send(50), by: Fixture.alice, windows: busy), "eurd-velocity",
            "weekly limit of 1,000 EURD exceeded: 1,000 sent in the last 7 d, this transfer 50")
    }

    @Test func usageOutsideTheWindowNoLongerCounts() throws {
        let engine = try Fixture.engine(rules: Self.rules)
        var windows = TransferWindows()
        let start = Fixture.now
        windows.record(
            sender: Fixture.alice, asset: eurd, amount: Fixture.eurdUnits(100), at: start, policy: engine.policy)
        #expect(
            windows.sent(by: Fixture.alice, asset: eurd, within: 3_600, at: start + 3_599) == Fixture.eurdUnits(100))
        expectDenied(engine.decide(send(1), by: Fixture.alice, at: start + 3_599, windows: windows), "eurd-velocity")
        // One hour plus one minute slot later the hour is clear (the day and week still count it).
        let hourLater = start + 3_600 + 60
        #expect(windows.sent(by: Fixture.alice, asset: eurd, within: 3_600, at: hourLater) == .zero)
        #expect(windows.sent(by: Fixture.alice, asset: eurd, within: 86_400, at: hourLater) == Fixture.eurdUnits(100))
        expectAllowed(engine.decide(send(100), by: Fixture.alice, at: hourLater, windows: windows))
        // After a week and an hour (the week's slot) nothing counts.
        let weekLater = start + 7 * 86_400 + 3_600
        #expect(windows.sent(by: Fixture.alice, asset: eurd, within: 604_800, at: weekLater) == .zero)
    }

    @Test func recordsTheOwnerOfATransferFromAndNothingForUnlimitedAssets() throws {
        let engine = try Fixture.engine(rules: Self.rules)
        var windows = TransferWindows()
        windows.record(
            .transferFrom(token: eurd, from: Fixture.bob, to: Fixture.carol, amount: Fixture.eurdUnits(7)),
            sender: Fixture.alice, at: Fixture.now, policy: engine.policy)
        #expect(windows.sent(by: Fixture.bob, asset: eurd, within: 3_600, at: Fixture.now) == Fixture.eurdUnits(7))
        #expect(windows.sent(by: Fixture.alice, asset: eurd, within: 3_600, at: Fixture.now) == .zero)
        _ = windows.takeChanges()
        windows.record(
            .transfer(token: Fixture.gbpd, to: Fixture.carol, amount: 5), sender: Fixture.alice, at: Fixture.now,
            policy: engine.policy)
        windows.record(
            .nativeTransfer(to: Fixture.carol, amount: 5), sender: Fixture.alice, at: Fixture.now, policy: engine.policy
        )
        windows.record(
            .mint(token: eurd, to: Fixture.carol, amount: 5), sender: Fixture.issuer, at: Fixture.now,
            policy: engine.policy)
        #expect(!windows.hasChanges, "no limit applies to GBPD or native, and a mint is not a transfer")
    }

    @Test func takeChangesListsExactlyTheChangedPairsOnceInKeyOrder() throws {
        let engine = try Fixture.engine(
            rules: Self.rules + """

                [[rule]]
                id = "gbpd-daily"
                kind = "transfer_limit"
                asset = "GBPD"
                windows = [{ period = "24h", max = "100" }]
                """)
        var windows = TransferWindows()
        #expect(windows.takeChanges().isEmpty)
        windows.record(sender: Fixture.carol, asset: eurd, amount: 5, at: Fixture.now, policy: engine.policy)
        windows.record(sender: Fixture.alice, asset: Fixture.gbpd, amount: 5, at: Fixture.now, policy: engine.policy)
        windows.record(sender: Fixture.alice, asset: eurd, amount: 5, at: Fixture.now, policy: engine.policy)
        windows.record(sender: Fixture.alice, asset: eurd, amount: 6, at: Fixture.now + 1, policy: engine.policy)
        let first = windows.takeChanges()
        let expectedKeys = [(Fixture.alice, Fixture.gbpd), (Fixture.alice, eurd), (Fixture.carol, eurd)].map {
            sender, asset in
            [TransferWindows.keyTag] + sender.bytes + asset.bytes
        }
        #expect(first.map(\.key) == expectedKeys)  // sorted by sender, then asset; each pair once
        #expect(windows.takeChanges().isEmpty, "a second call has nothing new")
        windows.record(sender: Fixture.carol, asset: eurd, amount: 1, at: Fixture.now + 2, policy: engine.policy)
        #expect(windows.takeChanges().map(\.key) == [expectedKeys[2]])
    }

    @Test func encodedEntriesRoundTrip() throws {
        let engine = try Fixture.engine(rules: Self.rules)
        var windows = TransferWindows()
        for step in 0..<200 {
            let sender = step % 3 == 0 ? Fixture.alice : Fixture.bob
            windows.record(
                sender: sender, asset: eurd, amount: UInt256(UInt64(step) * 1_234_567 + 1),
                at: Fixture.now + UInt64(step) * 1_700,
                policy: engine.policy)
        }
        windows.record(sender: Fixture.carol, asset: eurd, amount: .max, at: Fixture.now, policy: engine.policy)
        let changes = windows.takeChanges()
        #expect(changes.count == 3)
        var restored = TransferWindows()
        for change in changes { try restored.load(key: change.key, value: change.value) }
        #expect(restored == windows)
        #expect(!restored.hasChanges, "loading does not mark entries for persistence")
        #expect(restored.entries().map(\.value) == changes.map(\.value))
        let at = Fixture.now + 199 * 1_700
        for period: UInt64 in [3_600, 86_400, 604_800] {
            #expect(
                restored.sent(by: Fixture.bob, asset: eurd, within: period, at: at)
                    == windows.sent(by: Fixture.bob, asset: eurd, within: period, at: at))
        }
    }

    @Test func malformedEntriesAreRefused() throws {
        let engine = try Fixture.engine(rules: Self.rules)
        var windows = TransferWindows()
        windows.record(sender: Fixture.alice, asset: eurd, amount: 0x0102, at: Fixture.now, policy: engine.policy)
        let good = try #require(windows.takeChanges().first)
        var restored = TransferWindows()
        try restored.load(key: good.key, value: good.value)

        // Level 0 holds one slot: [version][count 0 1][index 8 bytes][length 2][01 02], then three empty levels.
        let slotStart = 3
        var badKeys: [[UInt8]] = [
            Array(good.key.dropLast()), good.key + [0], [0x51] + good.key.dropFirst(), [],
        ]
        var badValues: [[UInt8]] = [
            [], [0x02] + good.value.dropFirst(), good.value + [0], Array(good.value.dropLast()),
        ]
        var nonMinimal = good.value
        nonMinimal.replaceSubrange((slotStart + 8)..<(slotStart + 11), with: [3, 0, 1, 2])
        badValues.append(nonMinimal)
        var zeroLength = good.value
        zeroLength.replaceSubrange((slotStart + 8)..<(slotStart + 11), with: [0])
        badValues.append(zeroLength)
        var tooLong = good.value
        tooLong[slotStart + 8] = 33
        badValues.append(tooLong)
        // Two slots out of order on level 0.
        let slot = Array(good.value[slotStart..<(slotStart + 11)])
        var unordered = [good.value[0], 0, 2] + slot + slot
        unordered += good.value[(slotStart + 11)...]
        badValues.append(unordered)
        badKeys.append([0x50] + [UInt8](repeating: 0, count: 39))
        for key in badKeys {
            #expect(throws: PolicyError.self, "key \(key)") {
                try TransferWindows().loading(key: key, value: good.value)
            }
        }
        for value in badValues {
            #expect(throws: PolicyError.self, "value \(value)") {
                try TransferWindows().loading(key: good.key, value: value)
            }
        }
    }

    @Test func pruneDropsExpiredUsageAndReportsIt() throws {
        let engine = try Fixture.engine(rules: Self.rules)
        var windows = TransferWindows()
        windows.record(sender: Fixture.alice, asset: eurd, amount: 5, at: Fixture.now, policy: engine.policy)
        _ = windows.takeChanges()
        windows.prune(at: Fixture.now + 3_600, policy: engine.policy)
        #expect(!windows.hasChanges, "the day and week windows still need the slot")
        windows.prune(at: Fixture.now + 8 * 86_400, policy: engine.policy)
        let changes = windows.takeChanges()
        #expect(changes.count == 1 && changes[0].value == [1, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(windows == TransferWindows())
    }
}

extension TransferWindows {
    func loading(key: [UInt8], value: [UInt8]) throws(PolicyError) -> TransferWindows {
        var copy = self
        try copy.load(key: key, value: value)
        return copy
    }
}
