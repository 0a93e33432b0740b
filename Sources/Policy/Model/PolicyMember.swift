import Primitives

/// A member of the chain as the policy describes it: who they are, what they may do, and the
/// facts compliance rules read (KYC tier, jurisdiction, travel-rule data, lock-up).
public struct PolicyMember: Sendable, Equatable {
    /// Display name, unique in the policy (case-insensitively).
    public var name: String
    /// Every address that acts as this member; an address belongs to at most one member.
    public var addresses: [Address]
    /// The id of the member's organisation (`[[organisation]] id`).
    public var organisation: String
    /// Role names, sorted.
    public var roles: [String]
    /// 0 (none) to 9; rules compare it with their minimums.
    public var kycTier: Int
    /// ISO 3166-1 alpha-2 code, upper case.
    public var jurisdiction: String
    /// The effective status: `suspended` when the member or its organisation is suspended.
    public var status: MemberStatus
    /// The `sub` claim of the member's OpenID Connect identity, if it signs in that way.
    public var oidcSubject: String?
    /// SHA-256 of the member's API key, if it has one (the key itself is never in the policy).
    public var apiKeyHash: Hash32?
    /// Originator/beneficiary data for the travel rule is on file for this member.
    public var travelRuleDataOnFile: Bool
    /// The member may not send any asset before this time (unix seconds).
    public var lockedUntil: UInt64?

    public init(
        name: String, addresses: [Address], organisation: String, roles: [String], kycTier: Int, jurisdiction: String,
        status: MemberStatus = .active, oidcSubject: String? = nil, apiKeyHash: Hash32? = nil,
        travelRuleDataOnFile: Bool = false, lockedUntil: UInt64? = nil
    ) {
        self.name = name
        self.addresses = addresses
        self.organisation = organisation
        self.roles = roles
        self.kycTier = kycTier
        self.jurisdiction = jurisdiction
        self.status = status
        self.oidcSubject = oidcSubject
        self.apiKeyHash = apiKeyHash
        self.travelRuleDataOnFile = travelRuleDataOnFile
        self.lockedUntil = lockedUntil
    }
}

/// Whether a member (or an organisation) may act. Suspended members can neither send nor receive.
public enum MemberStatus: String, Sendable, CaseIterable {
    case active
    case suspended
}

/// Permissions that are not tied to an asset: what auditors and operators need from the API.
public enum SystemPermission: String, Sendable, CaseIterable {
    /// Read every member's data (auditors).
    case readAll = "read_all"
    /// Read the admin endpoints: audit log, policy, node state.
    case adminRead = "admin_read"
    /// Submit transactions signed by other members (a relayer or custody desk).
    case submitForOthers = "submit_for_others"

    var bit: UInt8 {
        switch self {
        case .readAll: return 1 << 0
        case .adminRead: return 1 << 1
        case .submitForOthers: return 1 << 2
        }
    }
}

/// What a role may do with one asset. Each operation of the ledger needs exactly one of these.
public enum AssetOperation: String, Sendable, CaseIterable {
    /// transfer, transferFrom, approve, nativeTransfer.
    case transfer
    /// mint.
    case mint
    /// burn, burnFrom.
    case burn
    /// setAddressFrozen, freezePartialTokens, unfreezePartialTokens.
    case freeze
    /// forcedTransfer.
    case forcedTransfer = "forced_transfer"
    /// pause, unpause.
    case pause
    /// Reading balances and history of the asset through the API (`mayRead`).
    case read

    var bit: UInt8 {
        switch self {
        case .transfer: return 1 << 0
        case .mint: return 1 << 1
        case .burn: return 1 << 2
        case .freeze: return 1 << 3
        case .forcedTransfer: return 1 << 4
        case .pause: return 1 << 5
        case .read: return 1 << 6
        }
    }
}
