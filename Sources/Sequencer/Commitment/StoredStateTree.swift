import Foundation
import Ledger
import Primitives
import StarkCrypto
import StarkMath
import Settlement
import StateTree
import Store

/// The state tree's stored form: one record per leaf, a head record, and each batch's
/// multi-update, all written in the storage transaction that records the batch. A restart
/// reads the leaves and rehashes the tree (time in the number of leaves, not in the chain's
/// length); nothing is replayed.
enum StoredStateTree {
    /// Records under these keys (encrypted like every record; keys are looked up by HMAC).
    static let headKey = "tree.state"
    static func leafKey(_ slot: Int) -> String { "tree.leaf.\(slot)" }
    static func updateKey(_ batch: UInt64) -> String { "batch.\(batch).tree-update" }
    /// The secret the leaf blindings derive from (32 bytes, made at genesis). The name
    /// predates the one tree: the proof system kept it first.
    static let seedKey = "proof.witness-seed"

    /// What the head record says: the tree is the state after `batch`.
    struct Head: Equatable {
        var count: Int
        var batch: UInt64
        var root: RPODigest
        var genesisRoot: RPODigest

        var encoded: [UInt8] {
            var out = [UInt8]()
            for word in [UInt64(count), batch] { withUnsafeBytes(of: word.bigEndian) { out += $0 } }
            return out + root.bytes + genesisRoot.bytes
        }

        init(count: Int, batch: UInt64, root: RPODigest, genesisRoot: RPODigest) {
            self.count = count
            self.batch = batch
            self.root = root
            self.genesisRoot = genesisRoot
        }

        init(encoded: [UInt8]) throws(NodeError) {
            guard encoded.count == 80 else { throw .corruptRecord("the state tree's head record is \(encoded.count) bytes, not 80") }
            count = Int(encoded[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            batch = encoded[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            do {
                root = try RPODigest(bytes: encoded[16..<48])
                genesisRoot = try RPODigest(bytes: encoded[48..<80])
            } catch { throw .corruptRecord("the state tree's head record: \(error)") }
        }
    }

    /// The records that store `written` leaves and the new head.
    static func records(written: [(slot: Int, leaf: AccountLeaf)], head: Head) -> [String: [UInt8]] {
        var records = [String: [UInt8]](minimumCapacity: written.count + 1)
        for (slot, leaf) in written { records[leafKey(slot)] = TreeCodec.encode(leaf) }
        records[headKey] = head.encoded
        return records
    }

    /// The stored tree, rehashed and checked against its head record; nil if none is stored.
    static func load(from store: any ChainStore) throws -> (tree: AccountTree, head: Head)? {
        guard let headBytes = try store.metadata(headKey) else { return nil }
        let head = try Head(encoded: headBytes)
        var leaves = [AccountLeaf]()
        leaves.reserveCapacity(head.count)
        for slot in 0..<head.count {
            guard let bytes = try store.metadata(leafKey(slot)) else {
                throw NodeError.corruptRecord("state-tree leaf \(slot) of \(head.count) is missing")
            }
            do { leaves.append(try TreeCodec.decodeLeaf(bytes)) } catch {
                throw NodeError.corruptRecord("state-tree leaf \(slot): \(error)")
            }
        }
        let tree: AccountTree
        do { tree = try AccountTree(leaves: leaves) } catch { throw NodeError.corruptRecord("state tree: \(error)") }
        guard tree.root == head.root else {
            throw NodeError.corruptRecord("the stored state tree's leaves do not hash to its recorded root")
        }
        return (tree, head)
    }

    /// The blinding seed: read, or made and stored (a chain without one yet).
    static func seed(in store: any ChainStore) throws -> [UInt8] {
        if let existing = try store.metadata(seedKey) {
            guard existing.count >= WitnessRandomness.minimumSeedBytes else {
                throw NodeError.corruptRecord("the state-tree seed (\(seedKey)) is \(existing.count) bytes, expected 32")
            }
            return existing
        }
        let seed = SecureRandom.bytes(32)
        try store.putMetadata([seedKey: seed])
        return seed
    }

    /// The randomness of batch `number`'s blindings (label as the batch proof's witness uses it).
    static func randomness(seed: [UInt8], batch number: UInt64) throws -> WitnessRandomness {
        do { return try .seeded(seed, label: number == 0 ? "genesis" : "batch \(number)") } catch {
            throw NodeError.corruptRecord("\(error)")
        }
    }

    /// The genesis tree of `ledger` with the seed's genesis blindings.
    static func genesis(of ledger: LedgerState, seed: [UInt8]) throws -> AccountTree {
        let (holdings, supplies) = try TreeOperations.genesisLeaves(of: ledger)
        do {
            return try AccountTree.genesis(holdings: holdings, supplies: supplies, randomness: try randomness(seed: seed, batch: 0))
        } catch let error as AccountTreeError {
            throw NodeError.genesis("the genesis state does not fit the state tree: \(error)")
        }
    }
}
