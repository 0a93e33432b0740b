import Foundation
import Primitives

/// The effective policy as data, for auditors: who the members are, what each role may do,
/// which compliance rules run on which asset, and the hash that block headers carry.
///
/// The node stores one overview per policy hash it ever put in force, so "which policy was
/// in force at block N" is answered from the block's `extraData` and this record.
public struct PolicyOverview: Codable, Sendable, Equatable {
    public struct Organisation: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var status: String
    }

    public struct Member: Codable, Sendable, Equatable {
        public var name: String
        public var organisation: String
        public var addresses: [String]
        public var roles: [String]
        public var kycTier: Int
        public var jurisdiction: String
        public var status: String
        public var travelRuleDataOnFile: Bool
        public var lockedUntil: UInt64?
        public var signsInWith: [String]
    }

    public struct Role: Codable, Sendable, Equatable {
        public var name: String
        public var system: [String]
        /// Asset symbol → operations granted on it.
        public var grants: [String: [String]]
    }

    public struct Rule: Codable, Sendable, Equatable {
        public var id: String
        public var asset: String
        public var assetAddress: String
        public var description: String
    }

    public var hash: String
    public var files: [String]
    public var organisations: [Organisation]
    public var members: [Member]
    public var roles: [Role]
    /// In evaluation order per asset.
    public var rules: [Rule]
    public var sanctionedAddresses: [String]
    public var sanctionedOrganisations: [String]

    public var encoded: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(self)) ?? Data())
    }

    public init(decoding bytes: [UInt8]) throws {
        self = try JSONDecoder().decode(PolicyOverview.self, from: Data(bytes))
    }

    init(
        hash: String, files: [String], organisations: [Organisation], members: [Member], roles: [Role], rules: [Rule],
        sanctionedAddresses: [String], sanctionedOrganisations: [String]
    ) {
        self.hash = hash
        self.files = files
        self.organisations = organisations
        self.members = members
        self.roles = roles
        self.rules = rules
        self.sanctionedAddresses = sanctionedAddresses
        self.sanctionedOrganisations = sanctionedOrganisations
    }
}

extension CompiledPolicy {
    /// This policy as data (see `PolicyOverview`). File paths are reduced to file names: where
    /// the operator keeps them is not the auditor's business.
    public var overview: PolicyOverview {
        let d = tables.description
        var rules: [PolicyOverview.Rule] = []
        for (index, asset) in tables.assets.enumerated() {
            for rule in tables.rules[index] {
                rules.append(
                    .init(
                        id: rule.id, asset: asset.symbol, assetAddress: asset.address.checksummed,
                        description: describe(rule.check, asset: asset)))
            }
        }
        return PolicyOverview(
            hash: hash.hex, files: files.map { URL(fileURLWithPath: $0).lastPathComponent },
            organisations: d.organisations.map { .init(id: $0.id, name: $0.name, status: $0.status.rawValue) },
            members: tables.members.map { member in
                var signIn = ["wallet"]
                if member.oidcSubject != nil { signIn.append("oidc") }
                if member.apiKeyHash != nil { signIn.append("api-key") }
                return .init(
                    name: member.name, organisation: member.organisation, addresses: member.addresses.map(\.checksummed),
                    roles: member.roles, kycTier: member.kycTier, jurisdiction: member.jurisdiction, status: member.status.rawValue,
                    travelRuleDataOnFile: member.travelRuleDataOnFile, lockedUntil: member.lockedUntil, signsInWith: signIn)
            },
            roles: d.roles.map { role in
                .init(
                    name: role.name, system: role.system.map(\.rawValue),
                    grants: Dictionary(role.grants.map { ($0.symbol, $0.operations.map(\.rawValue)) }, uniquingKeysWith: { a, _ in a }))
            },
            rules: rules, sanctionedAddresses: d.sanctionedAddresses.map(\.checksummed),
            sanctionedOrganisations: d.sanctionedOrganisations)
    }
}
