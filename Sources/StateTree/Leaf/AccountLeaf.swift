import Primitives
import StarkCrypto
import StarkMath

/// One account-tree leaf: six Goldilocks elements `[balanceLow, balanceHigh, nonce, key,
/// asset, blinding]`, hashed into the tree by ``digest`` (one RPO permutation).
///
/// * The balance is `balanceLow + balanceHigh·2⁶²`, each limb below 2⁶² (so balances are
///   below 2¹²⁴: every written limb is range-checked by the AIR).
/// * `nonce` counts the debits of a holder leaf (not the account's Ethereum nonce).
/// * `key` binds the leaf to what it holds: `key(account:asset:)` for a holder leaf, the
///   asset itself (`assetID(of:)`) for the asset's supply leaf. Zero means "empty slot":
///   the empty leaf is all zero.
/// * `asset` is the asset's field identifier (``assetID(of:)``).
/// * `blinding` is random, refreshed by every update that changes the leaf, so a leaf
///   cannot be recognised from its digest; it carries no value.
///
/// The limbs are stored as field elements so that tests can write deliberately broken
/// leaves (a wrapped limb); honest leaves come from ``init(balance:nonce:key:asset:blinding:)``.
public struct AccountLeaf: Sendable, Hashable {
    public var balanceLow: Goldilocks
    public var balanceHigh: Goldilocks
    public var nonce: Goldilocks
    public var key: Goldilocks
    public var asset: Goldilocks
    public var blinding: Goldilocks

    /// Bits per balance and amount limb.
    public static let limbBits = 62
    /// Balances and amounts are below 2¹²⁴ (two 62-bit limbs).
    public static let balanceBound: UInt128 = 1 << 124

    /// The empty slot: all zero.
    public static let empty = AccountLeaf(fields: [.zero, .zero, .zero, .zero, .zero, .zero])

    public init(balance: UInt128, nonce: UInt64, key: Goldilocks, asset: Goldilocks, blinding: Goldilocks) {
        precondition(balance < Self.balanceBound, "a balance is below 2^124")
        let (low, high) = Self.limbs(balance)
        self.init(
            fields: [low, high, Goldilocks(reducing: nonce), key, asset, blinding])
    }

    /// A leaf from its six fields, as the tree stores them.
    public init(fields: [Goldilocks]) {
        precondition(fields.count == 6, "a leaf has six fields")
        balanceLow = fields[0]
        balanceHigh = fields[1]
        nonce = fields[2]
        key = fields[3]
        asset = fields[4]
        blinding = fields[5]
    }

    /// `[balanceLow, balanceHigh, nonce, key, asset, blinding]`.
    public var fields: [Goldilocks] { [balanceLow, balanceHigh, nonce, key, asset, blinding] }

    /// The balance as an integer (meaningful for honest leaves, whose limbs are below 2⁶²).
    public var balance: UInt128 { UInt128(balanceLow.value) | UInt128(balanceHigh.value) << 62 }

    public var isEmpty: Bool { key.isZero }

    /// The leaf digest the tree stores: `RPO256.hashElements(fields)`, one permutation of
    /// `[6, 0, 0, 0 ‖ fields ‖ 0, 0]` (the AIR hashes the leaf exactly so).
    public var digest: RPODigest { Self.digest(of: fields) }

    /// Where leaf fields become a leaf digest (node, witness and AIR agree); ``digests(of:into:)``
    /// is the same hash for many leaves at a time.
    public static func digest(of fields: [Goldilocks]) -> RPODigest {
        precondition(fields.count == 6, "a leaf has six fields")
        return RPO256.hashElements(fields)
    }

    /// The digests of `leaves`, written to `output` in order: each equals its ``digest``, computed
    /// several at a time (``RPO256/hashElements(count:into:_:)``).
    public static func digests(of leaves: ArraySlice<AccountLeaf>, into output: UnsafeMutablePointer<RPODigest>) {
        let start = leaves.startIndex
        RPO256.hashElements(count: leaves.count, into: output) { leaves[start + $0].fields }
    }

    /// The digest of the empty (all-zero) leaf: what an unused slot holds.
    public static let emptyDigest = AccountLeaf.empty.digest

    /// A ledger amount (`UInt256`, wei) as a leaf balance, or nil if it is 2¹²⁴ or more.
    public static func balance(_ amount: UInt256) -> UInt128? {
        let (w0, w1, w2, w3) = amount.words
        let value = UInt128(w0) | UInt128(w1) << 64
        guard w2 == 0, w3 == 0, value < balanceBound else { return nil }
        return value
    }

    /// `value` as two 62-bit limbs (low, high); `value` must be below 2¹²⁴.
    public static func limbs(_ value: UInt128) -> (low: Goldilocks, high: Goldilocks) {
        let mask: UInt128 = (1 << 62) - 1
        return (
            Goldilocks(reducing: UInt64(value & mask)),
            Goldilocks(reducing: UInt64(truncatingIfNeeded: (value >> 62) & mask))
        )
    }

    // MARK: - Identifiers

    /// The leaf key of a holder leaf: an (account, asset) pair, the first element of the
    /// RPO hash of a domain tag and both identifiers packed seven bytes per element,
    /// never zero.
    ///
    /// A key is one field element (64 bits), so it resists a birthday search only to
    /// ~2³²; the slot registry (one slot per key, assigned in order) is what makes a slot
    /// one holder's, and the operations commitment carries both slot and key for auditors.
    public static func key(account: some Collection<UInt8>, asset: some Collection<UInt8>) -> Goldilocks {
        tagged(0x636c_6f69_7374_6572, [Array(account), Array(asset)])  // "cloister"
    }

    /// The field identifier of an asset, from its 20-byte L2 token address (the native
    /// currency is the zero address): the first element of an RPO hash with its own domain
    /// tag, never zero. It is also the key of the asset's supply leaf.
    public static func assetID(of asset: some Collection<UInt8>) -> Goldilocks {
        tagged(0x636c_2d61_7373_6574, [Array(asset)])  // "cl-asset"
    }

    static func tagged(_ tag: UInt64, _ parts: [[UInt8]]) -> Goldilocks {
        var elements: [Goldilocks] = [Goldilocks(reducing: tag)]
        for part in parts {
            elements.append(Goldilocks(reducing: UInt64(part.count)))
            var index = 0
            while index < part.count {
                var word: UInt64 = 0
                for offset in 0..<7 where index + offset < part.count {
                    word |= UInt64(part[index + offset]) << (8 * offset)
                }
                elements.append(Goldilocks(reducing: word))
                index += 7
            }
        }
        let value = RPO256.hashElements(elements).e0
        return value.isZero ? .one : value
    }
}
