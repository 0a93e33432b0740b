import Foundation
import Primitives

/// One audit record: something the node decided or did, with who, what and when.
///
/// Records are written encrypted in the same storage transaction as the block they belong
/// to (or, for refusals while no block is due, on their own), hash-chained through
/// `previous`; the chain's head is recorded with every sealed batch.
public struct AuditEntry: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case genesis
        case block
        case admissionRefused = "admission-refused"
        case policyDecision = "policy-decision"
        case policyLoaded = "policy-loaded"
        case policyRejected = "policy-rejected"
        case loginSucceeded = "login-succeeded"
        case loginFailed = "login-failed"
        /// An auditor or operator read through the admin API: who, what, how many records.
        case adminRead = "admin-read"
        /// An L1 deposit credited to a member.
        case depositCredited = "deposit-credited"
        /// An L1 deposit policy refused: returned to its L1 sender as a withdrawal.
        case depositRefunded = "deposit-refunded"
        /// A settlement step: a batch committed, proven, executed, or refused by the L1.
        case settlement
        /// An admitted transaction a full mempool dropped: it waited behind a nonce gap.
        case mempoolEvicted = "mempool-evicted"
        /// A selective disclosure handed out: to whom (actor), of whose holding, at which batch.
        case disclosureProduced = "disclosure-produced"
    }

    public var kind: Kind
    /// Milliseconds since the Unix epoch.
    public var time: UInt64
    public var block: UInt64?
    public var transaction: String?
    /// The address acting (sender of a transaction).
    public var actor: String?
    public var rule: String?
    /// The asset a decision was about: a token address, or "native".
    public var asset: String?
    public var outcome: String?
    /// How many records an admin read returned.
    public var count: Int?
    public var detail: String
    /// SHA-256 of the previous entry's encoding: the hash chain that makes a removed, reordered
    /// or edited entry detectable. Set by the chain when the entry is written.
    public var previous: String?

    public init(
        kind: Kind, time: UInt64, block: UInt64? = nil, transaction: String? = nil, actor: String? = nil,
        rule: String? = nil, asset: String? = nil, outcome: String? = nil, count: Int? = nil, detail: String
    ) {
        self.kind = kind
        self.time = time
        self.block = block
        self.transaction = transaction
        self.actor = actor
        self.rule = rule
        self.asset = asset
        self.outcome = outcome
        self.count = count
        self.detail = detail
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    public var encoded: [UInt8] { Array((try? Self.encoder.encode(self)) ?? Data()) }

    /// The link the next entry carries.
    public static func link(of encoded: [UInt8]) -> Hash32 { SHA256.hash(encoded) }

    public init(encoded: [UInt8]) throws(NodeError) {
        do { self = try JSONDecoder().decode(AuditEntry.self, from: Data(encoded)) } catch {
            throw .corruptRecord("audit entry: \(error)")
        }
    }
}
