/// The outcome of evaluating one operation: which rule decided, on what inputs, and for a
/// denial a message the sender can act on.
///
/// `message` is written for the sender: it never states another member's balance, tier or
/// jurisdiction. `inputs` are for the audit log and may (auditors read it).
public struct PolicyDecision: Sendable, Equatable {
    public enum Outcome: Sendable { case allow, deny }

    public var outcome: Outcome
    /// For a denial, the rule that refused. For an allow, `allow`, or the id of the
    /// `travel_rule` rule when the transfer was above its threshold (so the audit log shows
    /// that the travel rule applied and was met).
    public var ruleID: String
    /// Empty for an allow.
    public var message: String
    /// The inputs the deciding rule used (always for a denial; empty for an allow, to avoid allocation).
    public var inputs: [String: String]

    public init(outcome: Outcome, ruleID: String, message: String, inputs: [String: String]) {
        self.outcome = outcome
        self.ruleID = ruleID
        self.message = message
        self.inputs = inputs
    }

    public var isAllowed: Bool { outcome == .allow }

    /// The plain allow: no strings are built.
    public static let allow = PolicyDecision(outcome: .allow, ruleID: RuleID.allow, message: "", inputs: [:])

    /// The fixed ids of the built-in checks (compliance rules carry their operator-chosen ids).
    public enum RuleID {
        public static let allow = "allow"
        /// The sender (or the owner of the tokens a `transferFrom` moves) is not a member.
        public static let membership = "membership"
        /// The sender (or that owner) is suspended, or its organisation is.
        public static let memberSuspended = "member-suspended"
        /// The sender's roles do not grant the operation on the asset.
        public static let grant = "grant"
        /// A party is on the sanctions list, by address or by organisation.
        public static let sanctions = "sanctions"
        /// The party sending is locked up (member `locked_until`).
        public static let lockup = "lockup"
        /// The recipient of a transfer or mint is not a member, or is suspended.
        public static let recipientMembership = "recipient-membership"

        /// Ids an operator's rule may not take.
        public static let builtIn: Set<String> = [
            allow, membership, memberSuspended, grant, sanctions, lockup, recipientMembership,
        ]
    }
}
