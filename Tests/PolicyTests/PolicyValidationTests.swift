import ConfigFiles
import Foundation
import Ledger
import Policy
import Primitives
import Testing

/// A policy is checked as a whole before it takes effect; every problem names file and key.
@Suite struct PolicyValidationTests {
    struct BadPolicy: CustomTestStringConvertible, Sendable {
        var name: String
        /// Files added to (or replacing) the good fixture policy.
        var files: [String: String]
        var file: String
        var key: String
        var problem: String
        var testDescription: String { name }
    }

    static let alice = Fixture.alice.hex

    static func member(
        _ extra: String, name: String = "zed", address: String = "0x2222222222222222222222222222222222222222"
    )
        -> String
    {
        """
        [[member]]
        name = "\(name)"
        address = "\(address)"
        organisation = "bank-a"
        roles = ["trader"]
        kyc_tier = 1
        jurisdiction = "DE"
        \(extra)
        """
    }

    static func rule(_ body: String) -> String {
        Fixture.sanctionsReference + "\n\n[[rule]]\n" + body
    }

    static let cases: [BadPolicy] = [
        BadPolicy(
            name: "unknown key",
            files: ["zz-bad.toml": "[[organisation]]\nid = \"bank-c\"\nname = \"Bank C\"\ncolour = \"blue\""],
            file: "zz-bad.toml", key: "organisation[0].colour", problem: "is not a known setting here"),
        BadPolicy(
            name: "misspelt key", files: ["zz-bad.toml": member("organization = \"bank-a\"")], file: "zz-bad.toml",
            key: "member[0].organization", problem: "did you mean 'organisation'?"),
        BadPolicy(
            name: "wrong type",
            files: ["zz-bad.toml": member("").replacingOccurrences(of: "kyc_tier = 1", with: "kyc_tier = \"1\"")],
            file: "zz-bad.toml", key: "member[0].kyc_tier", problem: "expected an integer, found a string"),
        BadPolicy(
            name: "KYC tier out of range",
            files: ["zz-bad.toml": member("").replacingOccurrences(of: "kyc_tier = 1", with: "kyc_tier = 12")],
            file: "zz-bad.toml", key: "member[0].kyc_tier", problem: "must be between 0 and 9"),
        BadPolicy(
            name: "duplicate member name", files: ["zz-bad.toml": member("", name: "alice")], file: "zz-bad.toml",
            key: "member[0].name", problem: "member 'alice' is already defined at"),
        BadPolicy(
            name: "address of another member", files: ["zz-bad.toml": member("", address: alice)], file: "zz-bad.toml",
            key: "member[0].address", problem: "already belongs to member 'alice'"),
        BadPolicy(
            name: "duplicate role across files", files: ["zz-bad.toml": "[role.trader]\nsystem = [\"read_all\"]"],
            file: "zz-bad.toml", key: "role.trader", problem: "role 'trader' is already defined at"),
        BadPolicy(
            name: "duplicate rule id",
            files: [
                "compliance.toml": rule(
                    "id = \"r\"\nkind = \"max_holders\"\nmax = 5\n\n[[rule]]\nid = \"r\"\nkind = \"max_holders\"\nmax = 6"
                )
            ],
            file: "compliance.toml", key: "rule[1].id", problem: "rule 'r' is already defined at"),
        BadPolicy(
            name: "rule id of a built-in check",
            files: ["compliance.toml": rule("id = \"sanctions\"\nkind = \"max_holders\"\nmax = 5")],
            file: "compliance.toml", key: "rule[0].id", problem: "is the id of a built-in check"),
        BadPolicy(
            name: "role that does not exist",
            files: ["zz-bad.toml": member("").replacingOccurrences(of: "[\"trader\"]", with: "[\"tradr\"]")],
            file: "zz-bad.toml", key: "member[0].roles[0]", problem: "role 'tradr' is not defined"),
        BadPolicy(
            name: "organisation that does not exist",
            files: ["zz-bad.toml": member("").replacingOccurrences(of: "\"bank-a\"", with: "\"bank-z\"")],
            file: "zz-bad.toml",
            key: "member[0].organisation", problem: "'bank-z' is not a defined organisation"),
        BadPolicy(
            name: "asset that does not exist",
            files: ["compliance.toml": rule("id = \"r\"\nkind = \"max_balance\"\nasset = \"eurd\"\nmax = \"5\"")],
            file: "compliance.toml", key: "rule[0].asset",
            problem: "'eurd' is not a configured asset (did you mean 'EURD'?)"),
        BadPolicy(
            name: "grant on an asset that does not exist",
            files: ["zz-bad.toml": "[role.x]\ngrants = [{ asset = \"USDX\", ops = [\"read\"] }]"], file: "zz-bad.toml",
            key: "role.x.grants[0].asset", problem: "'USDX' is not a configured asset"),
        BadPolicy(
            name: "invalid address", files: ["zz-bad.toml": member("", address: "0x1234")], file: "zz-bad.toml",
            key: "member[0].address", problem: "is not a valid address"),
        BadPolicy(
            name: "address with a wrong checksum",
            files: ["zz-bad.toml": member("", address: "0xB3e774e635Be510E4Af843F15dCDeaf7C5Be40bB")],
            file: "zz-bad.toml",
            key: "member[0].address", problem: "invalid EIP-55 checksum"),
        BadPolicy(
            name: "invalid jurisdiction code",
            files: ["zz-bad.toml": member("").replacingOccurrences(of: "\"DE\"", with: "\"XX\"")], file: "zz-bad.toml",
            key: "member[0].jurisdiction", problem: "'XX' is not an ISO 3166-1 alpha-2 country code"),
        BadPolicy(
            name: "lower-case jurisdiction code",
            files: ["compliance.toml": rule("id = \"r\"\nkind = \"jurisdiction\"\nsender_deny = [\"KP\", \"ir\"]")],
            file: "compliance.toml", key: "rule[0].sender_deny[1]", problem: "must be written in upper case: 'IR'"),
        BadPolicy(
            name: "unknown status", files: ["zz-bad.toml": member("status = \"paused\"")], file: "zz-bad.toml",
            key: "member[0].status", problem: "'paused' is not a status"),
        BadPolicy(
            name: "unknown system permission", files: ["zz-bad.toml": "[role.x]\nsystem = [\"read_everything\"]"],
            file: "zz-bad.toml", key: "role.x.system[0]", problem: "'read_everything' is not a system permission"),
        BadPolicy(
            name: "unknown grant operation",
            files: ["zz-bad.toml": "[role.x]\ngrants = [{ asset = \"EURD\", ops = [\"transfer\", \"seize\"] }]"],
            file: "zz-bad.toml",
            key: "role.x.grants[0].ops[1]", problem: "'seize' is not an operation"),
        BadPolicy(
            name: "unknown rule kind", files: ["compliance.toml": rule("id = \"r\"\nkind = \"velocity\"")],
            file: "compliance.toml", key: "rule[0].kind", problem: "'velocity' is not a rule kind"),
        BadPolicy(
            name: "minimum above maximum",
            files: ["compliance.toml": rule("id = \"r\"\nkind = \"transfer_amount\"\nmin = \"100\"\nmax = \"99.99\"")],
            file: "compliance.toml", key: "rule[0].min", problem: "100 is above max 99.99"),
        BadPolicy(
            name: "minimum above another rule's maximum",
            files: [
                "compliance.toml": rule(
                    "id = \"cap\"\nkind = \"transfer_amount\"\nmax = \"50\"\n\n[[rule]]\nid = \"floor\"\nkind = \"transfer_amount\"\nasset = \"EURD\"\nmin = \"60\""
                )
            ],
            file: "compliance.toml", key: "rule[1].min", problem: "60 is above the max 50 of rule 'cap'"),
        BadPolicy(
            name: "jurisdiction both allowed and denied",
            files: [
                "compliance.toml": rule(
                    "id = \"r\"\nkind = \"jurisdiction\"\nsender_allow = [\"DE\", \"FR\"]\nsender_deny = [\"FR\"]")
            ],
            file: "compliance.toml", key: "rule[0].sender_deny", problem: "FR is both allowed and denied"),
        BadPolicy(
            name: "jurisdiction allowed by one rule and denied by another",
            files: [
                "compliance.toml": rule(
                    "id = \"allow-gb\"\nkind = \"jurisdiction\"\nasset = \"GBPD\"\nrecipient_allow = [\"GB\"]\n\n[[rule]]\nid = \"deny-gb\"\nkind = \"jurisdiction\"\nrecipient_deny = [\"GB\"]"
                )
            ],
            file: "compliance.toml", key: "rule[1].recipient_deny", problem: "contradicts rule 'allow-gb'"),
        BadPolicy(
            name: "empty allow list",
            files: ["compliance.toml": rule("id = \"r\"\nkind = \"jurisdiction\"\nrecipient_allow = []")],
            file: "compliance.toml", key: "rule[0].recipient_allow", problem: "is empty"),
        BadPolicy(
            name: "window of zero length",
            files: [
                "compliance.toml": rule(
                    "id = \"r\"\nkind = \"transfer_limit\"\nwindows = [{ period = \"0h\", max = \"5\" }]")
            ],
            file: "compliance.toml", key: "rule[0].windows[0].period", problem: "is not a positive period"),
        BadPolicy(
            name: "window of negative length",
            files: [
                "compliance.toml": rule(
                    "id = \"r\"\nkind = \"transfer_limit\"\nwindows = [{ period = \"-1d\", max = \"5\" }]")
            ],
            file: "compliance.toml", key: "rule[0].windows[0].period", problem: "is not a positive period"),
        BadPolicy(
            name: "two windows with one period",
            files: [
                "compliance.toml": rule(
                    "id = \"r\"\nkind = \"transfer_limit\"\nwindows = [{ period = \"24h\", max = \"5\" }, { period = \"1d\", max = \"6\" }]"
                )
            ],
            file: "compliance.toml", key: "rule[0].windows[1].period", problem: "24 h is already windows[0]'s period"),
        BadPolicy(
            name: "more decimals than the token has",
            files: ["compliance.toml": rule("id = \"r\"\nkind = \"max_balance\"\nasset = \"GBPD\"\nmax = \"10.005\"")],
            file: "compliance.toml", key: "rule[0].max", problem: "10.005 has 3 decimal places but GBPD has 2"),
        BadPolicy(
            name: "global amount with more decimals than one token has",
            files: ["compliance.toml": rule("id = \"r\"\nkind = \"travel_rule\"\nthreshold = \"0.001\"")],
            file: "compliance.toml", key: "rule[0].threshold",
            problem: "but GBPD has 2 (the rule has no 'asset', so it applies to every asset)"),
        BadPolicy(
            name: "amount as a float",
            files: ["compliance.toml": rule("id = \"r\"\nkind = \"max_balance\"\nasset = \"EURD\"\nmax = 10.5")],
            file: "compliance.toml", key: "rule[0].max", problem: "is a float"),
        BadPolicy(
            name: "supply cap on the native currency",
            files: ["compliance.toml": rule("id = \"r\"\nkind = \"supply_cap\"\nasset = \"native\"\nmax = \"5\"")],
            file: "compliance.toml", key: "rule[0].asset", problem: "needs a token"),
        BadPolicy(
            name: "lock-up date without a time zone",
            files: [
                "compliance.toml": rule(
                    "id = \"r\"\nkind = \"lockup\"\nasset = \"EURD\"\nuntil = \"2026-01-01T00:00:00\"")
            ],
            file: "compliance.toml", key: "rule[0].until", problem: "has no time zone"),
        BadPolicy(
            name: "lock-up date that does not exist", files: ["zz-bad.toml": member("locked_until = \"2026-02-30\"")],
            file: "zz-bad.toml", key: "member[0].locked_until", problem: "is not a valid date"),
        BadPolicy(
            name: "API key hash that is not SHA-256", files: ["zz-bad.toml": member("api_key_sha256 = \"abcd\"")],
            file: "zz-bad.toml", key: "member[0].api_key_sha256", problem: "must be a SHA-256 digest"),
        BadPolicy(
            name: "OIDC subject of another member",
            files: [
                "zz-bad.toml": member("oidc_subject = \"same\"") + "\n\n"
                    + member(
                        "oidc_subject = \"same\"", name: "yan", address: "0x3333333333333333333333333333333333333333")
            ],
            file: "zz-bad.toml", key: "member[1].oidc_subject", problem: "'same' is already member 'zed''s OIDC subject"
        ),
        BadPolicy(
            name: "sanctions list that is missing",
            files: ["compliance.toml": "[sanctions]\nlist = \"nowhere.toml\""], file: "compliance.toml",
            key: "sanctions.list",
            problem: "cannot be loaded"),
        BadPolicy(
            name: "sanctions list with an invalid address",
            files: ["sanctions.list.toml": "addresses = [\"0xdead\"]"], file: "sanctions.list.toml",
            key: "addresses[0]",
            problem: "is not a valid address"),
        BadPolicy(
            name: "sanctions list read as a policy file",
            files: ["compliance.toml": "", "sanctions.list.toml": "addresses = [\"\(Fixture.dead.hex)\"]"],
            file: "sanctions.list.toml", key: "addresses", problem: "belongs in a sanctions list file"),
    ]

    @Test(arguments: cases)
    func refusesBadPolicyNamingFileAndKey(_ bad: BadPolicy) throws {
        var files = Fixture.files()
        files.merge(bad.files) { $1 }
        let problems = try Fixture.problems(files)
        let match = problems.first { $0.file.hasSuffix("/" + bad.file) && $0.key == bad.key }
        #expect(
            match != nil,
            "no problem names \(bad.file) and key \(bad.key); got:\n\(problems.map(\.description).joined(separator: "\n"))"
        )
        if let match {
            #expect(match.problem.contains(bad.problem), "\(match.description) lacks '\(bad.problem)'")
        }
        for problem in problems {
            #expect(problem.key != nil, "every problem here names a key: \(problem)")
        }
    }

    @Test func collectsEveryProblemInOnePass() throws {
        var files = Fixture.files(
            rules: """
                [[rule]]
                id = "r1"
                kind = "transfer_amount"
                min = "5"
                max = "1"

                [[rule]]
                id = "r2"
                kind = "max_balance"
                asset = "YEN"
                max = "5"
                """)
        files["zz-bad.toml"] =
            Self.member("").replacingOccurrences(of: "\"DE\"", with: "\"QQ\"")
            .replacingOccurrences(of: "[\"trader\"]", with: "[\"nobody\"]") + "\nshoe_size = 44"
        let problems = try Fixture.problems(files)
        let keys = Set(problems.compactMap(\.key))
        #expect(
            keys == [
                "rule[0].min", "rule[1].asset", "member[0].jurisdiction", "member[0].roles[0]", "member[0].shoe_size",
            ],
            "\(problems)")
    }

    @Test func oneBadFileBesideGoodOnesAppliesNothing() throws {
        let current = try Fixture.engine()
        var files = Fixture.files()
        files["zz-bad.toml"] = Self.member("").replacingOccurrences(of: "kyc_tier = 1", with: "kyc_tier = -1")
        let path = try Fixture.directory(files)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            _ = try PolicyLoader.load(directory: path, tokens: Fixture.tokens)
        } throws: { error in
            let problems = (error as? PolicyError)?.problems ?? []
            return problems.count == 1 && problems[0].file.hasSuffix("zz-bad.toml")
                && (error as! PolicyError).description.contains("zz-bad.toml: key 'member[0].kyc_tier'")
        }
        // Nothing of the good files took effect either: the engine in use keeps its policy.
        #expect(current.policy.member(Fixture.address("0x2222222222222222222222222222222222222222")) == nil)
        #expect(try Fixture.engine().policy.hash == current.policy.hash)
    }

    @Test func invalidTOMLNamesFileAndLine() throws {
        var files = Fixture.files()
        files["broken.toml"] = "[[member]]\nname = \"x\nkyc_tier = 1\n"
        let problems = try Fixture.problems(files)
        #expect(problems.count == 1)
        #expect(problems.first?.file.hasSuffix("broken.toml") == true)
        #expect(problems.first?.problem.contains("line 2") == true, "\(problems)")
    }

    @Test func refusesMissingOrEmptyDirectory() throws {
        #expect(throws: PolicyError.self) {
            try PolicyLoader.load(directory: "/nonexistent/policies", tokens: Fixture.tokens)
        }
        let empty = try Fixture.directory([:])
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect {
            _ = try PolicyLoader.load(directory: empty, tokens: Fixture.tokens)
        } throws: { error in
            (error as? PolicyError)?.problems.first?.problem.contains("holds no *.toml policy files") == true
        }
    }
}
