import Primitives
import Settlement
import StarkCrypto
import StarkMath
import StateTree

/// One member's holding of one asset at one batch, with the Merkle path from its leaf to
/// that batch's state root: what the member hands an outsider, who checks it against the
/// root the L1 published (docs/DISCLOSURE.md). Nothing in it describes another account:
/// the siblings are digests of blinded leaves.
///
/// The JSON form is the contract: field names, decimal strings for amounts and field
/// elements, 0x-hex for addresses and digests.
public struct BalanceDisclosure: Codable, Sendable, Equatable {
    public static let format = "cloister.disclosure/1"

    public var format: String
    /// "balance".
    public var kind: String
    public var chainId: UInt64
    public var batch: UInt64
    /// The batch's state root, as the L1 records it (32 bytes: four little-endian Goldilocks words).
    public var stateRoot: String
    public var holder: String
    /// The token's address; the zero address is the native currency.
    public var asset: String
    /// In the asset's smallest unit, decimal.
    public var balance: String
    /// The leaf's position in the state tree.
    public var slot: Int
    /// The leaf's debit counter (how many times value left it), decimal.
    public var nonce: String
    /// The leaf's blinding element, decimal: random, so the leaf's digest reveals nothing alone.
    public var blinding: String
    /// The 31 sibling digests from the leaf level up.
    public var siblings: [String]

    public init(chainID: UInt64, batch: UInt64, holder: Address, asset: Address, path: LeafPath) {
        format = Self.format
        kind = "balance"
        chainId = chainID
        self.batch = batch
        stateRoot = Hash32(rpo: path.root).hex
        self.holder = holder.checksummed
        self.asset = asset.checksummed
        balance = String(path.leaf.balance)
        slot = path.slot
        nonce = String(path.leaf.nonce.value)
        blinding = String(path.leaf.blinding.value)
        siblings = path.siblings.map { Hash32(rpo: $0).hex }
    }
}
