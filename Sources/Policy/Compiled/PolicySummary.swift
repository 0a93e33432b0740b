import Primitives

/// What `cloister policy check` shows: the loaded policy in a form a person can review.
struct PolicyDescription: Sendable {
    var assets: [AssetInfo]
    var organisations: [OrganisationSpec]
    var roles: [RoleDescription]
    var rules: [RuleSpec]
    var sanctionedAddresses: [Address]
    var sanctionedOrganisations: [String]
    var sanctionsFile: String?
}

struct RoleDescription: Sendable {
    var name: String
    var system: [SystemPermission]
    var grants: [(symbol: String, operations: [AssetOperation])]
}

extension CompiledPolicy {
    /// A human summary: members, roles, rules per asset, sanctions and the hash.
    public var summary: String {
        let d = tables.description
        var lines: [String] = []
        lines.append("Policy \(hash)")
        lines.append("Files: " + files.joined(separator: ", "))

        lines.append("")
        lines.append("Organisations (\(d.organisations.count)):")
        for organisation in d.organisations {
            let status = organisation.status == .active ? "" : " [suspended]"
            lines.append("  \(organisation.id): \(organisation.name)\(status)")
        }

        lines.append("")
        lines.append("Members (\(tables.members.count)):")
        for member in tables.members {
            var facts = [
                member.organisation, "roles: " + (member.roles.isEmpty ? "none" : member.roles.joined(separator: ", ")),
                "KYC tier \(member.kycTier)", member.jurisdiction, member.status.rawValue,
            ]
            if member.travelRuleDataOnFile { facts.append("travel-rule data on file") }
            if let until = member.lockedUntil { facts.append("locked until \(DateText.format(until))") }
            if member.oidcSubject != nil { facts.append("OIDC") }
            if member.apiKeyHash != nil { facts.append("API key") }
            if member.addresses.contains(where: isSanctioned) { facts.append("SANCTIONED") }
            lines.append("  \(member.name) (\(facts.joined(separator: "; ")))")
            for address in member.addresses { lines.append("    \(address)") }
        }

        lines.append("")
        lines.append("Roles (\(d.roles.count)):")
        for role in d.roles {
            var parts: [String] = []
            if !role.system.isEmpty { parts.append("system: " + role.system.map(\.rawValue).joined(separator: ", ")) }
            for grant in role.grants {
                parts.append("\(grant.symbol): " + grant.operations.map(\.rawValue).joined(separator: ", "))
            }
            lines.append("  \(role.name): " + parts.joined(separator: "; "))
        }

        lines.append("")
        lines.append("Compliance rules (in evaluation order, after the built-in checks):")
        for (index, asset) in tables.assets.enumerated() {
            let rules = tables.rules[index]
            lines.append(
                "  \(asset.symbol)" + (index == 0 ? " (native currency)" : " (\(asset.address))") + ":"
                    + (rules.isEmpty ? " none" : ""))
            for rule in rules { lines.append("    \(rule.id): \(describe(rule.check, asset: asset))") }
        }

        lines.append("")
        let listed = "\(d.sanctionedAddresses.count) address(es), \(d.sanctionedOrganisations.count) organisation(s)"
        lines.append("Sanctions: " + (d.sanctionsFile.map { "\(listed) from \($0)" } ?? "no list referenced"))
        for address in d.sanctionedAddresses { lines.append("  \(address)") }
        for organisation in d.sanctionedOrganisations { lines.append("  organisation \(organisation)") }

        lines.append("")
        lines.append("Policy hash: \(hash)")
        return lines.joined(separator: "\n")
    }

    func describe(_ check: RuleCheck, asset: AssetInfo) -> String {
        switch check {
        case .lockup(let until): return "lockup: no sending before \(DateText.format(until))"
        case .kycMinimum(let send, let receive, let hold):
            let parts = [("send", send), ("receive", receive), ("hold", hold)].filter { $0.1 > 0 }
            return "kyc_minimum: " + parts.map { "tier \($0.1) to \($0.0)" }.joined(separator: ", ")
        case .jurisdiction(let check):
            var parts: [String] = []
            if let set = check.senderAllow { parts.append("senders only from " + set.codes.joined(separator: " ")) }
            if let set = check.senderDeny { parts.append("no senders from " + set.codes.joined(separator: " ")) }
            if let set = check.recipientAllow { parts.append("recipients only in " + set.codes.joined(separator: " ")) }
            if let set = check.recipientDeny { parts.append("no recipients in " + set.codes.joined(separator: " ")) }
            return "jurisdiction: " + parts.joined(separator: "; ")
        case .transferAmount(let min, let max):
            var parts: [String] = []
            if !min.isZero { parts.append("at least \(asset.format(min))") }
            if max != .max { parts.append("at most \(asset.format(max))") }
            return "transfer_amount: each transfer " + parts.joined(separator: " and ")
        case .travelRule(let threshold):
            return "travel_rule: above \(asset.format(threshold)) both parties need originator/beneficiary data on file"
        case .transferLimit(let windows):
            return "transfer_limit: per sender, "
                + windows.map { "\(asset.format($0.max)) per \(PeriodText.describe($0.period))" }.joined(
                    separator: ", ")
        case .maxBalance(let max): return "max_balance: no holder above \(asset.format(max))"
        case .maxHolders(let max): return "max_holders: at most \(max) holders"
        case .supplyCap(let max): return "supply_cap: minting stops at a total supply of \(asset.format(max))"
        }
    }
}
