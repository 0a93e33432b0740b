import ConfigFiles
import Testing

@testable import Policy

/// Dates as the TOML reader hands them to the policy: the text as written (`TOMLParser` keeps it).
@Suite struct PolicyDateValueTests {
    @Test(arguments: [
        ("2026-01-01T00:00:00", UInt64(1_767_225_600)), ("2026-01-01 00:00:00", 1_767_225_600),
        ("2026-01-01t00:00:00.5", 1_767_225_600),
    ])
    func aBareLocalDateTimeReadsAsUTC(text: String, seconds: UInt64) throws {
        #expect(try DateText.unixSeconds(ConfigValue.dateTime(text)).get() == seconds)
    }

    @Test(arguments: [
        ("2026-01-01T01:00:00+01:00", UInt64(1_767_225_600)), ("2026-01-01 00:00:00z", 1_767_225_600),
        ("2025-12-31T19:00:00-05:00", 1_767_225_600), ("2026-01-01", 1_767_225_600),
    ])
    func anOffsetDateTimeOrADateReadsAsWritten(text: String, seconds: UInt64) throws {
        #expect(try DateText.unixSeconds(ConfigValue.dateTime(text)).get() == seconds)
    }

    @Test func aQuotedDateTimeWithoutOffsetIsStillRefused() {
        #expect(throws: ValueProblem.self) { try DateText.unixSeconds(ConfigValue.string("2026-01-01T00:00:00")).get() }
        #expect(throws: ValueProblem.self) { try DateText.unixSeconds(ConfigValue.dateTime("07:32:00")).get() }
    }

    @Test func aPolicyLockupWithABareLocalDateTimeLoads() throws {
        let rule = "[[rule]]\nid = \"lock\"\nkind = \"lockup\"\nasset = \"EURD\"\nuntil = 2030-01-01T00:00:00\n"
        _ = try Fixture.load(Fixture.files(rules: rule))
    }
}
