import Primitives

/// The canonical policy hash: SHA-256 over a binary encoding of what the policy means, with
/// every collection sorted and every amount normalised.
///
/// Covered: the assets (address, symbol, decimals), organisations, members, roles (as the
/// grants they give per asset), compliance rules (amounts in normal decimal form, lists
/// sorted), the sanctions list. Not covered: file names and how entries are split across
/// files, order, formatting, comments, `description` keys. So the hash a batch commits to
/// changes exactly when a decision could change.
enum PolicyHash {
    static let domain = "cloister/policy/v1"

    static func compute(
        draft: PolicyDraft, tables: PolicyTables, roles: RoleTable, symbolIndex: [String: Int]
    ) -> Hash32 {
        var out = CanonicalWriter()
        out.string(domain)

        out.count(tables.assets.count)
        for asset in tables.assets {
            out.address(asset.address)
            out.string(asset.symbol)
            out.u64(UInt64(asset.decimals))
        }

        let organisations = draft.organisations.sorted { $0.id < $1.id }
        out.count(organisations.count)
        for organisation in organisations {
            out.string(organisation.id)
            out.string(organisation.name)
            out.string(organisation.status.rawValue)
        }

        let members = draft.members.sorted { $0.name < $1.name }
        out.count(members.count)
        for member in members {
            out.string(member.name)
            out.count(member.addresses.count)
            for address in member.addresses.sorted() { out.address(address) }
            out.string(member.organisation)
            out.strings(member.roles.sorted())
            out.u64(UInt64(member.kycTier))
            out.string(member.jurisdiction)
            out.string(member.status.rawValue)
            out.optional(member.oidcSubject) { $0.string($1) }
            out.optional(member.apiKeyHash) { $0.bytes($1.bytes) }
            out.bool(member.travelRuleDataOnFile)
            out.optional(member.lockedUntil) { $0.u64($1) }
        }

        let roleNames = roles.roles.keys.sorted()
        out.count(roleNames.count)
        for name in roleNames {
            let role = roles.roles[name]!
            out.string(name)
            out.u64(UInt64(role.system))
            out.count(role.grants.count)
            for bits in role.grants { out.u64(UInt64(bits)) }
        }

        let rules = draft.rules.sorted { $0.id < $1.id }
        out.count(rules.count)
        for rule in rules {
            out.string(rule.id)
            out.string(rule.kind.rawValue)
            out.optional(rule.asset.flatMap { symbolIndex[$0] }) { $0.address(tables.assets[$1].address) }
            encode(rule.body!, into: &out)
        }

        let sanctions = draft.sanctions
        out.count(sanctions?.addresses.count ?? 0)
        for address in (sanctions?.addresses ?? []).sorted() { out.address(address) }
        out.strings((sanctions?.organisations ?? []).sorted())

        return SHA256.hash(out.bytes)
    }

    static func encode(_ body: RuleBody, into out: inout CanonicalWriter) {
        func codes(_ list: [UInt16]?) -> [String]? { list.map { Set($0).sorted().map(Jurisdiction.code(ofIndex:)) } }
        switch body {
        case .lockup(let until): out.u64(until)
        case .kycMinimum(let send, let receive, let hold):
            for value in [send, receive, hold] { out.optional(value) { $0.u64(UInt64($1)) } }
        case .jurisdiction(let senderAllow, let senderDeny, let recipientAllow, let recipientDeny):
            for list in [senderAllow, senderDeny, recipientAllow, recipientDeny] {
                out.optional(codes(list)) { $0.strings($1) }
            }
        case .transferAmount(let min, let max):
            out.optional(min) { $0.string($1.description) }
            out.optional(max) { $0.string($1.description) }
        case .travelRule(let threshold): out.string(threshold.description)
        case .transferLimit(let windows):
            let sorted = windows.sorted { $0.period < $1.period }
            out.count(sorted.count)
            for window in sorted {
                out.u64(window.period)
                out.string(window.max.description)
            }
        case .maxBalance(let max), .supplyCap(let max): out.string(max.description)
        case .maxHolders(let max): out.u64(UInt64(max))
        }
    }
}

/// An unambiguous byte encoding: fixed-width integers, length-prefixed strings and lists,
/// presence bytes for optional values.
struct CanonicalWriter {
    private(set) var bytes: [UInt8] = []

    mutating func u64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    mutating func count(_ value: Int) { u64(UInt64(value)) }
    mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    mutating func bytes(_ value: [UInt8]) {
        count(value.count)
        bytes += value
    }

    mutating func string(_ value: String) { bytes(Array(value.utf8)) }

    mutating func strings(_ values: [String]) {
        count(values.count)
        for value in values { string(value) }
    }

    mutating func address(_ value: Address) { value.withUnsafeBytes { bytes += $0 } }

    mutating func optional<T>(_ value: T?, _ write: (inout CanonicalWriter, T) -> Void) {
        guard let value else { return bool(false) }
        bool(true)
        write(&self, value)
    }
}
