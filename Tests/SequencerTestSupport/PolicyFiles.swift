import Foundation
import Ledger
import Policy
import Primitives

/// Policy TOML for tests: `[[organisation]]` and `[[member]]` entries written from values,
/// and a folder of policy files compiled by the Policy module's loader.
public enum PolicyFiles {
    /// An `[[organisation]]` entry.
    public struct Organisation: Sendable {
        public var id: String
        public var name: String

        public init(_ id: String, _ name: String) {
            self.id = id
            self.name = name
        }

        public static let bankA = Organisation("bank-a", "Bank A")
        public static let bankB = Organisation("bank-b", "Bank B")

        public var toml: String {
            """
            [[organisation]]
            id = "\(id)"
            name = "\(name)"

            """
        }
    }

    /// A `[[member]]` entry with the fields the node and API tests use; `extra` lines (for
    /// example `oidc_subject = "…"`) are written after them as they are.
    public struct Member: Sendable {
        public var name: String
        public var address: Address
        public var organisation: String
        public var roles: [String]
        public var kycTier: Int
        public var jurisdiction: String
        public var status: String?
        public var apiKeySHA256: String?
        public var travelRuleDataOnFile: Bool?
        public var extra: String

        public init(
            _ name: String, address: Address, organisation: String = "bank-a", roles: [String] = ["trader"],
            kycTier: Int = 2, jurisdiction: String = "DE", status: String? = nil, apiKeySHA256: String? = nil,
            travelRuleDataOnFile: Bool? = nil, extra: String = ""
        ) {
            self.name = name
            self.address = address
            self.organisation = organisation
            self.roles = roles
            self.kycTier = kycTier
            self.jurisdiction = jurisdiction
            self.status = status
            self.apiKeySHA256 = apiKeySHA256
            self.travelRuleDataOnFile = travelRuleDataOnFile
            self.extra = extra
        }

        public var toml: String {
            var lines = [
                "[[member]]",
                "name = \"\(name)\"",
                "address = \"\(address.checksummed)\"",
                "organisation = \"\(organisation)\"",
                "roles = [\(roles.map { "\"\($0)\"" }.joined(separator: ", "))]",
                "kyc_tier = \(kycTier)",
                "jurisdiction = \"\(jurisdiction)\"",
            ]
            if let status { lines.append("status = \"\(status)\"") }
            if let apiKeySHA256 { lines.append("api_key_sha256 = \"\(apiKeySHA256)\"") }
            if let travelRuleDataOnFile { lines.append("travel_rule_data_on_file = \(travelRuleDataOnFile)") }
            if !extra.isEmpty { lines.append(extra) }
            return lines.joined(separator: "\n") + "\n"
        }
    }

    /// The organisations, then the members, as the text of one policy file.
    public static func members(_ organisations: [Organisation], _ members: [Member]) -> String {
        organisations.map(\.toml).joined() + members.map(\.toml).joined()
    }

    /// Writes each file (name → text) into `directory`, creating it, and compiles the folder
    /// with `PolicyLoader` against `tokens`.
    public static func compile(
        _ files: KeyValuePairs<String, String>, into directory: String, tokens: [TokenDefinition]
    ) throws -> CompiledPolicy {
        try write(files, into: directory)
        return try PolicyLoader.load(directory: directory, tokens: tokens)
    }

    /// Writes each file (name → text) into `directory`, creating it.
    public static func write(_ files: KeyValuePairs<String, String>, into directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, text) in files {
            try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
        }
    }
}
