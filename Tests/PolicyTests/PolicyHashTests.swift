import Policy
import Primitives
import Testing

/// The canonical policy hash: stable under everything that cannot change a decision, and
/// changed by everything that can.
@Suite struct PolicyHashTests {
    static let a1 = "0x1111111111111111111111111111111111111111"
    static let a2 = "0x2222222222222222222222222222222222222222"
    static let a3 = "0x3333333333333333333333333333333333333333"
    static let b1 = "0x4444444444444444444444444444444444444444"

    /// The reference policy, laid out one way.
    static let original: [String: String] = [
        "members.toml": """
        [[organisation]]
        id = "bank-a"
        name = "Bank A"

        [[organisation]]
        id = "bank-b"
        name = "Bank B"

        [[member]]
        name = "ann"
        addresses = ["\(a1)", "\(a2)"]
        organisation = "bank-a"
        roles = ["trader", "viewer"]
        kyc_tier = 2
        jurisdiction = "DE"
        travel_rule_data_on_file = true

        [[member]]
        name = "ben"
        address = "\(b1)"
        organisation = "bank-b"
        roles = ["trader"]
        kyc_tier = 1
        jurisdiction = "GB"
        """,
        "roles.toml": """
        [role.trader]
        description = "moves money"
        grants = [{ asset = "EURD", ops = ["transfer", "read"] }, { asset = "native", ops = ["transfer"] }]

        [role.viewer]
        system = ["read_all", "admin_read"]
        """,
        "compliance.toml": """
        [sanctions]
        list = "list.toml"

        [[rule]]
        id = "velocity"
        kind = "transfer_limit"
        asset = "EURD"
        windows = [{ period = "1h", max = "1000" }, { period = "24h", max = "1000000.00" }]

        [[rule]]
        id = "places"
        kind = "jurisdiction"
        recipient_deny = ["KP", "IR"]
        sender_deny = ["KP"]

        [[rule]]
        id = "size"
        kind = "transfer_amount"
        min = "0.5"
        """,
        "list.toml": """
        addresses = ["0x000000000000000000000000000000000000dEaD", "\(a3)"]
        organisations = ["shell-co"]
        """,
    ]

    /// The same policy: entries, keys, list items and files reordered and regrouped; amounts,
    /// whitespace, comments and descriptions written differently.
    static let reordered: [String: String] = [
        "00-everything.toml": """
        # rules first this time
        [[rule]]
        kind = "transfer_amount"
        min = "0.50"   # same amount
        id = "size"

        [[rule]]
        id = "places"
        kind = "jurisdiction"
        sender_deny = ["KP"]
        recipient_deny = ["IR", "KP"]

        [[rule]]
        id    =   "velocity"
        asset = "EURD"
        kind  = "transfer_limit"
        windows = [
          { max = "1_000_000", period = "1d" },
          { period = "60m", max = "1000.000" },
        ]

        [role.viewer]
        system = ["admin_read", "read_all"]
        description = "a different description"

        [[member]]
        jurisdiction = "GB"
        kyc_tier = 1
        roles = ["trader"]
        organisation = "bank-b"
        address = "\(b1.uppercased().replacingOccurrences(of: "0X", with: "0x"))"
        name = "ben"
        """,
        "people.toml": """
        [[member]]
        name = "ann"
        addresses = ["\(a2)", "\(a1)"]
        organisation = "bank-a"
        roles = ["viewer", "trader"]
        status = "active"
        kyc_tier = 2
        travel_rule_data_on_file = true
        jurisdiction = "DE"

        [[organisation]]
        name = "Bank B"
        id = "bank-b"

        [[organisation]]
        id = "bank-a"
        name = "Bank A"

        [role.trader]
        grants = [{ asset = "native", ops = ["transfer"] }, { asset = "EURD", ops = ["read"] }, { asset = "EURD", ops = ["transfer"] }]

        [sanctions]
        list = "./sanctioned.toml"
        """,
        "sanctioned.toml": """
        organisations = ["shell-co"]
        addresses = ["\(a3)", "0x000000000000000000000000000000000000dead"]
        """,
    ]

    static func hash(_ files: [String: String]) throws -> Hash32 { try Fixture.load(files).hash }

    static func changed(_ file: String, _ from: String, _ to: String) -> [String: String] {
        var files = original
        #expect(files[file]!.contains(from), "fixture text '\(from)' not found")
        files[file] = files[file]!.replacingOccurrences(of: from, with: to)
        return files
    }

    @Test func reorderingAndReformattingKeepTheHash() throws {
        let first = try Self.hash(Self.original)
        #expect(try Self.hash(Self.reordered) == first)
        #expect(try Self.hash(Self.original) == first, "loading twice gives the same hash")
    }

    @Test(arguments: [
        ("a transfer limit", changed("compliance.toml", "max = \"1000\" }", "max = \"1001\" }")),
        ("a window's period", changed("compliance.toml", "period = \"1h\"", "period = \"2h\"")),
        ("a member's KYC tier", changed("members.toml", "kyc_tier = 2", "kyc_tier = 3")),
        ("a member's jurisdiction", changed("members.toml", "jurisdiction = \"GB\"", "jurisdiction = \"IE\"")),
        ("a member's status", changed("members.toml", "kyc_tier = 1", "kyc_tier = 1\nstatus = \"suspended\"")),
        ("a member's travel-rule flag", changed("members.toml", "travel_rule_data_on_file = true", "")),
        (
            "a member's address",
            changed("members.toml", "\"\(a2)\"]", "\"0x5555555555555555555555555555555555555555\"]")
        ),
        ("a role grant", changed("roles.toml", "ops = [\"transfer\", \"read\"]", "ops = [\"transfer\"]")),
        ("a system permission", changed("roles.toml", "\"read_all\", \"admin_read\"", "\"read_all\"")),
        ("a sanctions entry", changed("list.toml", "\"shell-co\"", "\"shell-co\", \"other-co\"")),
        ("a sanctioned address", changed("list.toml", ", \"\(a3)\"", "")),
        ("a rule's asset", changed("compliance.toml", "min = \"0.5\"", "min = \"0.5\"\nasset = \"EURD\"")),
        ("a rule id", changed("compliance.toml", "id = \"size\"", "id = \"size2\"")),
        ("a jurisdiction list", changed("compliance.toml", "sender_deny = [\"KP\"]", "sender_deny = [\"KP\", \"SY\"]")),
    ])
    func everySemanticChangeChangesTheHash(what: String, files: [String: String]) throws {
        #expect(try Self.hash(files) != Self.hash(Self.original), "changing \(what) kept the hash")
    }

    @Test func descriptionsAndCommentsDoNotCount() throws {
        let files = Self.changed("roles.toml", "description = \"moves money\"", "# a comment\ndescription = \"trades\"")
        #expect(try Self.hash(files) == Self.hash(Self.original))
    }

    @Test func theChainsTokensAreCovered() throws {
        let path = try Fixture.directory(Self.original)
        var tokens = Fixture.tokens
        let first = try PolicyLoader.load(directory: path, tokens: tokens).hash
        tokens[0].address = Fixture.address("0xe0d0000000000000000000000000000000000009")
        #expect(try PolicyLoader.load(directory: path, tokens: tokens).hash != first)
    }
}
