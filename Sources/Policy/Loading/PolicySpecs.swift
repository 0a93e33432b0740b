import ConfigFiles
import Primitives

// What the files say, read and type-checked but not yet cross-checked: the loader gathers these
// from every file, then `PolicyCompiler` checks references and contradictions across files.

/// Where an entry came from, so that a cross-file problem still names file and key.
struct EntryLocation: Sendable {
    var file: String
    /// The entry's dotted path (`member[2]`, `role.trader`, `rule[0]`).
    var path: String

    func error(_ key: String?, _ problem: String) -> ConfigError {
        let full = key.map { path.isEmpty ? $0 : "\(path).\($0)" } ?? (path.isEmpty ? nil : path)
        return ConfigError(file: file, key: full, problem: problem)
    }
}

struct OrganisationSpec: Sendable {
    var id: String
    var name: String
    var status: MemberStatus
    var at: EntryLocation
}

struct MemberSpec: Sendable {
    var name: String
    var addresses: [Address]
    var organisation: String
    var roles: [String]
    var kycTier: Int
    var jurisdiction: String
    var jurisdictionIndex: UInt16
    var status: MemberStatus
    var oidcSubject: String?
    var apiKeyHash: Hash32?
    var travelRuleDataOnFile: Bool
    var lockedUntil: UInt64?
    var at: EntryLocation
    /// The key to blame for an address problem (`address` or `addresses[1]`), by position.
    var addressKeys: [String]
    /// False when some key had a problem: the spec is still cross-checked (so a wrong role
    /// name is reported with a wrong tier), but never compiled. Unread fields are empty.
    var isComplete = true
}

struct GrantSpec: Sendable {
    /// A token symbol, `native` or `*`.
    var asset: String
    var operations: [AssetOperation]
    var at: EntryLocation
}

struct RoleSpec: Sendable {
    var name: String
    var system: [SystemPermission]
    var grants: [GrantSpec]
    var at: EntryLocation
}

/// The kinds of compliance rule, in the order a decision checks them: cheap, stateless checks
/// first, then those that read the windows, then those that read the ledger.
enum RuleKind: String, CaseIterable, Sendable, Comparable {
    case lockup
    case kycMinimum = "kyc_minimum"
    case jurisdiction
    case transferAmount = "transfer_amount"
    case travelRule = "travel_rule"
    case transferLimit = "transfer_limit"
    case maxBalance = "max_balance"
    case maxHolders = "max_holders"
    case supplyCap = "supply_cap"

    var order: Int { RuleKind.allCases.firstIndex(of: self)! }
    static func < (a: RuleKind, b: RuleKind) -> Bool { a.order < b.order }

    /// The keys a rule of this kind may have besides `id`, `kind`, `asset` and `description`.
    var keys: [String] {
        switch self {
        case .lockup: return ["until"]
        case .kycMinimum: return ["send", "receive", "hold"]
        case .jurisdiction: return ["sender_allow", "sender_deny", "recipient_allow", "recipient_deny"]
        case .transferAmount: return ["min", "max"]
        case .travelRule: return ["threshold"]
        case .transferLimit: return ["windows"]
        case .maxBalance, .maxHolders, .supplyCap: return ["max"]
        }
    }

    /// Rules that read holder counts or total supply make sense only for tokens: the ledger
    /// keeps neither for the native currency.
    var tokensOnly: Bool { self == .maxHolders || self == .supplyCap }
}

struct TransferWindowSpec: Sendable {
    var period: UInt64
    var max: DecimalAmount
    var at: EntryLocation
}

enum RuleBody: Sendable {
    case lockup(until: UInt64)
    case kycMinimum(send: Int?, receive: Int?, hold: Int?)
    case jurisdiction(
        senderAllow: [UInt16]?, senderDeny: [UInt16]?, recipientAllow: [UInt16]?, recipientDeny: [UInt16]?)
    case transferAmount(min: DecimalAmount?, max: DecimalAmount?)
    case travelRule(threshold: DecimalAmount)
    case transferLimit(windows: [TransferWindowSpec])
    case maxBalance(DecimalAmount)
    case maxHolders(Int)
    case supplyCap(DecimalAmount)
}

struct RuleSpec: Sendable {
    var id: String
    var kind: RuleKind
    /// A token symbol or `native`; nil for a rule that applies to every asset.
    var asset: String?
    /// nil when the rule's own keys had problems: its id and asset are still cross-checked.
    var body: RuleBody?
    var at: EntryLocation
}

struct SanctionsListSpec: Sendable {
    var file: String
    var addresses: [Address]
    var organisations: [String]
}

/// Everything read from a policy directory.
struct PolicyDraft {
    var organisations: [OrganisationSpec] = []
    var members: [MemberSpec] = []
    var roles: [RoleSpec] = []
    var rules: [RuleSpec] = []
    var sanctions: SanctionsListSpec?
    /// Roles and organisations that were defined but had problems: references to them are not
    /// reported again as "not defined".
    var brokenRoleNames: Set<String> = []
    var brokenOrganisationIDs: Set<String> = []
}

/// Gathers every problem instead of stopping at the first: one pass shows the operator all of them.
final class ProblemList {
    private(set) var problems: [ConfigError] = []

    func add(_ problem: ConfigError) { problems.append(problem) }

    /// Runs one typed read; a failure is recorded and reads as nil.
    func attempt<T>(_ read: () throws(ConfigError) -> T) -> T? {
        do { return try read() } catch {
            problems.append(error)
            return nil
        }
    }

    var isEmpty: Bool { problems.isEmpty }
}
