import Primitives

/// A loaded, validated, compiled policy. Immutable; the node swaps whole values on reload.
///
/// Everything a decision needs is a table lookup: members by address, grants as bit sets per
/// (member, asset), compliance rules as a ready-ordered array per asset. No file, string or
/// dictionary of names is touched after `PolicyLoader.load` returns.
public struct CompiledPolicy: Sendable {
    /// SHA-256 of the canonical encoding (see docs/POLICY.md, "The policy hash"): the same for
    /// the same rules however the files are split, ordered, formatted or commented.
    public let hash: Hash32
    /// The files it was loaded from, sorted, the sanctions list last.
    public let files: [String]

    let tables: PolicyTables

    init(hash: Hash32, files: [String], tables: PolicyTables) {
        self.hash = hash
        self.files = files
        self.tables = tables
    }

    /// The member an address belongs to, if any. O(1).
    public func member(_ address: Address) -> PolicyMember? {
        guard let index = tables.memberIndex[address] else { return nil }
        return tables.members[index]
    }

    /// The member whose OpenID Connect `sub` claim this is, for the API's sign-in.
    public func member(oidcSubject: String) -> PolicyMember? {
        tables.oidcIndex[oidcSubject].map { tables.members[$0] }
    }

    /// The member whose API key hashes to this SHA-256 digest, for the API's key check.
    public func member(apiKeyHash: Hash32) -> PolicyMember? {
        tables.apiKeyIndex[apiKeyHash].map { tables.members[$0] }
    }

    /// Every member, sorted by name.
    public var members: [PolicyMember] { tables.members }

    /// Whether an active member holds the permission through one of its roles. Suspended
    /// members and non-members hold none.
    public func hasSystemPermission(_ address: Address, _ permission: SystemPermission) -> Bool {
        guard let index = tables.memberIndex[address] else { return false }
        let facts = tables.facts[index]
        return facts.isActive && facts.system & permission.bit != 0
    }

    /// Whether an active member may read the asset (token address; `Address.zero` = native
    /// currency): its roles grant `read` on it. `read_all` is a separate question
    /// (`hasSystemPermission(_, .readAll)`), so that the API can tell an auditor's reads apart.
    public func mayRead(_ address: Address, asset: Address) -> Bool {
        guard let index = tables.memberIndex[address], let assetIndex = tables.assetIndex[asset] else { return false }
        return tables.facts[index].isActive
            && tables.grant(member: index, asset: assetIndex) & AssetOperation.read.bit != 0
    }

    /// Whether an active member's roles grant the operation on the asset (`Address.zero` = native).
    public func isGranted(_ address: Address, _ operation: AssetOperation, asset: Address) -> Bool {
        guard let index = tables.memberIndex[address], let assetIndex = tables.assetIndex[asset] else { return false }
        return tables.facts[index].isActive && tables.grant(member: index, asset: assetIndex) & operation.bit != 0
    }

    /// Whether the address is on the sanctions list, directly or through its member (another of
    /// the member's addresses, or its organisation).
    public func isSanctioned(_ address: Address) -> Bool {
        tables.isSanctioned(address, member: tables.memberIndex[address])
    }
}

/// The compiled tables behind a `CompiledPolicy`: one reference, so copying a policy is one retain.
final class PolicyTables: Sendable {
    /// Index 0 is the native currency; tokens follow in address order.
    let assets: [AssetInfo]
    let assetIndex: [Address: Int]
    /// Sorted by name; `facts` and the rows of `grants` follow the same order.
    let members: [PolicyMember]
    let facts: [MemberFacts]
    /// `grants[member * assets.count + asset]`: `AssetOperation` bits.
    let grants: [UInt8]
    let memberIndex: [Address: Int]
    let oidcIndex: [String: Int]
    let apiKeyIndex: [Hash32: Int]
    let sanctionedAddresses: Set<Address>
    /// Compliance rules per asset index, in evaluation order.
    let rules: [[CompiledRule]]
    /// What `TransferWindows.record` keeps per asset index.
    let windowPlans: [WindowPlan]
    /// For the summary only.
    let description: PolicyDescription

    init(
        assets: [AssetInfo], members: [PolicyMember], facts: [MemberFacts], grants: [UInt8],
        sanctionedAddresses: Set<Address>, rules: [[CompiledRule]], description: PolicyDescription
    ) {
        self.assets = assets
        self.assetIndex = Dictionary(uniqueKeysWithValues: assets.enumerated().map { ($1.address, $0) })
        self.members = members
        self.facts = facts
        self.grants = grants
        var byAddress: [Address: Int] = [:]
        var bySubject: [String: Int] = [:]
        var byKey: [Hash32: Int] = [:]
        for (index, member) in members.enumerated() {
            for address in member.addresses { byAddress[address] = index }
            if let subject = member.oidcSubject { bySubject[subject] = index }
            if let key = member.apiKeyHash { byKey[key] = index }
        }
        self.memberIndex = byAddress
        self.oidcIndex = bySubject
        self.apiKeyIndex = byKey
        self.sanctionedAddresses = sanctionedAddresses
        self.rules = rules
        self.windowPlans = rules.map(WindowPlan.init(rules:))
        self.description = description
    }

    @inline(__always)
    func grant(member: Int, asset: Int) -> UInt8 { grants[member &* assets.count &+ asset] }

    @inline(__always)
    func isSanctioned(_ address: Address, member: Int?) -> Bool {
        if let member, facts[member].sanctioned { return true }
        return !sanctionedAddresses.isEmpty && sanctionedAddresses.contains(address)
    }
}

/// An asset a policy can name: the native currency (index 0) or a configured token.
struct AssetInfo: Sendable {
    var address: Address
    var symbol: String
    var decimals: Int

    func format(_ amount: UInt256) -> String { "\(AmountText.format(amount, decimals: decimals)) \(symbol)" }
}

/// The facts about a member that decisions read, packed so a lookup touches one small value.
struct MemberFacts: Sendable {
    var kycTier: UInt8
    var jurisdiction: UInt16
    /// The member and its organisation are active.
    var isActive: Bool
    var travelRuleDataOnFile: Bool
    /// The member is on the sanctions list: one of its addresses, or its organisation. Sanctions
    /// bind the party, so a listed address blocks the member's other addresses too.
    var sanctioned: Bool
    /// Unix seconds; 0 for no lock-up.
    var lockedUntil: UInt64
    /// `SystemPermission` bits.
    var system: UInt8
}

struct CompiledWindow: Sendable {
    var period: UInt64
    var max: UInt256
}

struct JurisdictionCheck: Sendable {
    var senderAllow: JurisdictionSet?
    var senderDeny: JurisdictionSet?
    var recipientAllow: JurisdictionSet?
    var recipientDeny: JurisdictionSet?
}

/// One compliance rule, resolved for one asset: amounts in base units, jurisdictions as bit sets.
enum RuleCheck: Sendable {
    case lockup(until: UInt64)
    /// 0 where the rule sets no minimum.
    case kycMinimum(send: UInt8, receive: UInt8, hold: UInt8)
    case jurisdiction(JurisdictionCheck)
    /// `.zero` / `.max` where the rule sets no bound.
    case transferAmount(min: UInt256, max: UInt256)
    case travelRule(threshold: UInt256)
    /// Sorted by period, shortest first.
    case transferLimit([CompiledWindow])
    case maxBalance(UInt256)
    case maxHolders(UInt64)
    case supplyCap(UInt256)
}

struct CompiledRule: Sendable {
    let id: String
    let kind: RuleKind
    let check: RuleCheck
}

/// Which window levels `TransferWindows` keeps for an asset, and for how long: derived from the
/// periods of the transfer limits that apply to it.
struct WindowPlan: Sendable {
    /// Per level, the longest period it serves (seconds); 0 for a level no window needs.
    var retention: [UInt64]

    var isActive: Bool { retention.contains { $0 > 0 } }

    init(rules: [CompiledRule]) {
        var retention = [UInt64](repeating: 0, count: WindowLevel.count)
        for rule in rules {
            guard case .transferLimit(let windows) = rule.check else { continue }
            for window in windows {
                let level = WindowLevel.serving(window.period)
                retention[level] = max(retention[level], window.period)
            }
        }
        self.retention = retention
    }
}
