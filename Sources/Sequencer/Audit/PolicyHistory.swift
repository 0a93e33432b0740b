import Foundation
import Policy
import Primitives

/// Every policy this chain has put in force, with the first block it governed: the answer to
/// "which policy was in force at block N". Stored (encrypted) beside the chain; the full
/// policy of each hash is stored once as a `PolicyOverview`.
public struct PolicyHistory: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        /// The policy hash, hex.
        public var hash: String
        /// The first block executed under it.
        public var fromBlock: UInt64
        /// When it was put in force, ms since the Unix epoch.
        public var since: UInt64
    }

    public private(set) var entries: [Entry] = []

    public init() {}

    /// The entry in force at `block`: the newest one that starts at or before it.
    public func inForce(at block: UInt64) -> Entry? { entries.last { $0.fromBlock <= block } }

    public var current: Entry? { entries.last }

    mutating func append(_ entry: Entry) { entries.append(entry) }

    var encoded: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(self)) ?? Data())
    }

    init(encoded: [UInt8]) throws(NodeError) {
        do { self = try JSONDecoder().decode(PolicyHistory.self, from: Data(encoded)) } catch {
            throw .corruptRecord("policy history: \(error)")
        }
    }

    static let key = "policy.history"
    static func overviewKey(_ hash: Hash32) -> String { "policy.\(hash.hex)" }
}
