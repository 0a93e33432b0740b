import Primitives
import Testing

@testable import Policy

/// How operators write amounts, periods and dates, and how messages print amounts.
@Suite struct ValueTextTests {
    @Test(arguments: [
        ("1000000.00", 6, "1000000000000"), ("1_000_000", 2, "100000000"), ("0.5", 18, "500000000000000000"),
        ("007.10", 2, "710"), ("0", 0, "0"),
    ])
    func amountsInTokenUnitsBecomeBaseUnits(text: String, decimals: Int, expected: String) throws {
        let amount = try DecimalAmount.parse(text).get()
        #expect(try amount.baseUnits(decimals: decimals).get() == UInt256(decimal: expected))
    }

    @Test func amountsAreNormalisedForTheHash() throws {
        #expect(try DecimalAmount.parse("0001_000.500").get().description == "1000.5")
        #expect(try DecimalAmount.parse(.integer(42)).get().description == "42")
    }

    @Test(arguments: ["", "1.", ".5", "1.2.3", "-5", "1e6", "12a", "_1", "1 000"])
    func malformedAmountsAreRefused(text: String) {
        #expect(throws: AmountProblem.self) { try DecimalAmount.parse(text).get() }
    }

    @Test func amountsWithTooManyDecimalsAreRefused() throws {
        let amount = try DecimalAmount.parse("10.005").get()
        #expect(throws: AmountProblem.tooManyDecimals(3)) { try amount.baseUnits(decimals: 2).get() }
    }

    @Test(arguments: [("90s", 90), ("30m", 1_800), ("1h", 3_600), ("24h", 86_400), ("7d", 604_800), ("2w", 1_209_600)])
    func periodsReadInSeconds(text: String, seconds: UInt64) throws {
        #expect(try PeriodText.seconds(text).get() == seconds)
    }

    @Test(arguments: ["0h", "-1d", "h", "1.5h", "24", "1y", "", "00m"])
    func periodsThatAreNotPositiveOrMalformedAreRefused(text: String) {
        #expect(throws: ValueProblem.self) { try PeriodText.seconds(text).get() }
    }

    @Test(arguments: [(3_600, "1 h"), (86_400, "24 h"), (604_800, "7 d"), (5_400, "90 min"), (61, "61 s")])
    func periodsAreDescribedInTheLargestFittingUnit(seconds: UInt64, text: String) {
        #expect(PeriodText.describe(seconds) == text)
    }

    @Test(arguments: [
        ("2026-01-01T00:00:00Z", UInt64(1_767_225_600)), ("2026-01-01", 1_767_225_600),
        ("2026-01-01T01:00:00+01:00", 1_767_225_600), ("2025-12-31T19:00:00-05:00", 1_767_225_600),
        ("2024-02-29T12:30:15.250Z", 1_709_209_815), ("1970-01-01T00:00:00Z", 0),
    ])
    func datesReadAsUnixSeconds(text: String, seconds: UInt64) throws {
        #expect(try DateText.unixSeconds(text).get() == seconds)
        if text.hasSuffix("Z"), !text.contains(".") { #expect(DateText.format(seconds) == text) }
    }

    @Test(arguments: [
        "2026-01-01T00:00:00", "2025-02-29", "2026-13-01", "1969-12-31", "2026-01-01T24:00:00Z", "tomorrow",
    ])
    func invalidOrZonelessDatesAreRefused(text: String) {
        #expect(throws: ValueProblem.self) { try DateText.unixSeconds(text).get() }
    }

    @Test(arguments: [
        (UInt256(980_000_000_000), 6, "980,000"), (1_000_500_001, 6, "1,000.500001"), (5, 2, "0.05"), (0, 18, "0"),
        (1_234_567, 0, "1,234,567"),
    ])
    func amountsInMessagesAreWholeUnitsWithSeparators(amount: UInt256, decimals: Int, text: String) {
        #expect(AmountText.format(amount, decimals: decimals) == text)
    }

    @Test func jurisdictionCodesAreTheAssignedOnes() {
        #expect(Jurisdiction.assignedCodes.count == 249)
        #expect((try? Jurisdiction.index(of: "DE").get()) != nil)
        #expect((try? Jurisdiction.index(of: "XK").get()) == nil)
        #expect((try? Jurisdiction.index(of: "de").get()) == nil)
        let set = JurisdictionSet([Jurisdiction.rawIndex("ZW"), Jurisdiction.rawIndex("AD")])
        #expect(set.codes == ["AD", "ZW"])
        #expect(!set.contains(Jurisdiction.rawIndex("DE")))
    }
}
