import Foundation
import Primitives
import Settlement
import StarkCrypto
import StarkMath
import StateTree

/// Checks a disclosure against the L1 alone: the leaf it describes, rebuilt from the claimed
/// holder, asset, balance, nonce and blinding, must reach the claimed root through the
/// siblings, and that root must be the one the L1 recorded for the batch, which the L1 must
/// have executed (its proof accepted). No node is asked anything.
public enum DisclosureVerifier {
    /// What a valid disclosure proves, in plain words.
    public struct Facts: Sendable, Equatable {
        public var holder: Address
        public var asset: Address
        public var balance: UInt128
        public var batch: UInt64
        public var chainID: UInt64
        /// When the L1 executed the batch (milliseconds since the epoch).
        public var executedAt: UInt64?

        public var sentence: String {
            let assetName = asset == .zero ? "the native currency" : "the token at \(asset.checksummed)"
            let when = executedAt.map { " (executed on the L1 at \(Date(timeIntervalSince1970: Double($0) / 1000)))" } ?? ""
            return "\(holder.checksummed) held \(balance) (smallest unit) of \(assetName) on chain \(chainID) "
                + "as of batch \(batch)\(when)"
        }
    }

    /// The leaf path a disclosure claims, or why it cannot be one.
    public static func path(of disclosure: BalanceDisclosure) throws(DisclosureError) -> (LeafPath, Address, Address, UInt128) {
        guard disclosure.format == BalanceDisclosure.format, disclosure.kind == "balance" else {
            throw DisclosureError(.malformed, "not a balance disclosure of format \(BalanceDisclosure.format) (got \(disclosure.format), \(disclosure.kind))")
        }
        guard let holder = try? Address(hex: disclosure.holder), let asset = try? Address(hex: disclosure.asset) else {
            throw DisclosureError(.malformed, "holder and asset must be 0x + 40 hex digits")
        }
        guard let balance = UInt128(disclosure.balance), balance < AccountLeaf.balanceBound else {
            throw DisclosureError(.malformed, "balance must be a decimal below 2^124, got \(disclosure.balance)")
        }
        guard let nonce = UInt64(disclosure.nonce), nonce < Goldilocks.modulus,
            let blinding = UInt64(disclosure.blinding), blinding < Goldilocks.modulus
        else {
            throw DisclosureError(.malformed, "nonce and blinding must be decimal field elements")
        }
        guard disclosure.slot >= 0, disclosure.slot < AccountTree.paddingSlot else {
            throw DisclosureError(.malformed, "slot \(disclosure.slot) is outside the state tree")
        }
        guard disclosure.siblings.count == AccountTree.depth else {
            throw DisclosureError(.malformed, "a path has \(AccountTree.depth) siblings, not \(disclosure.siblings.count)")
        }
        func digest(_ text: String, _ what: String) throws(DisclosureError) -> RPODigest {
            guard let hash = try? Hash32(hex: text), let digest = try? RPODigest(bytes: hash.bytes) else {
                throw DisclosureError(.malformed, "\(what) is not an RPO digest (0x + 64 hex digits, canonical words)")
            }
            return digest
        }
        var siblings = [RPODigest]()
        for (level, text) in disclosure.siblings.enumerated() { siblings.append(try digest(text, "sibling \(level)")) }
        let root = try digest(disclosure.stateRoot, "stateRoot")
        let leaf = AccountLeaf(
            balance: balance, nonce: nonce, key: AccountLeaf.key(account: holder.bytes, asset: asset.bytes),
            asset: AccountLeaf.assetID(of: asset.bytes), blinding: Goldilocks(reducing: blinding))
        return (LeafPath(slot: disclosure.slot, leaf: leaf, siblings: siblings, root: root), holder, asset, balance)
    }

    /// Verifies `disclosure` against `record`, the L1's record of its batch (nil: the L1 has none).
    public static func verify(_ disclosure: BalanceDisclosure, l1Record record: L1BatchRecord?) throws(DisclosureError) -> Facts {
        let (path, holder, asset, balance) = try path(of: disclosure)
        guard path.isValid else {
            throw DisclosureError(
                .pathMismatch,
                "the disclosed leaf (holder, asset, balance, nonce, blinding) and siblings do not reach state root \(disclosure.stateRoot)")
        }
        guard let record, record.batchNumber == disclosure.batch else {
            throw DisclosureError(.unknownBatch, "the L1 has no batch \(disclosure.batch)")
        }
        guard record.commitment.newStateRoot.hex == disclosure.stateRoot.lowercased() else {
            throw DisclosureError(
                .rootMismatch,
                "batch \(disclosure.batch)'s state root on the L1 is \(record.commitment.newStateRoot.hex), not the disclosed \(disclosure.stateRoot)")
        }
        guard record.status == .executed else {
            throw DisclosureError(
                .notFinal, "batch \(disclosure.batch) is \(record.status.rawValue) on the L1, not executed: the disclosure is not final yet")
        }
        return Facts(
            holder: holder, asset: asset, balance: balance, batch: disclosure.batch, chainID: disclosure.chainId,
            executedAt: record.executedAt)
    }
}
