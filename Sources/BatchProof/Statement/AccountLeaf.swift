import StarkCrypto
import StarkMath

/// One account-tree leaf: four Goldilocks elements used directly as the leaf digest
/// (no leaf hash), so a path is exactly 32 RPO merges inside the AIR.
///
/// * `balance` and `nonce` are integers below 2⁶³ (the AIR keeps every balance it writes
///   below 2⁶³ by bit decomposition; nonces grow by one per transfer).
/// * `key` binds the leaf to the (account, asset) it belongs to; zero means "empty slot"
///   and the AIR refuses transfers that touch a leaf with key zero.
/// * `blinding` is random, refreshed by every transfer that touches the leaf, so a leaf
///   cannot be recognised from its contents; it carries no value.
public struct AccountLeaf: Sendable, Hashable {
    public var balance: UInt64
    public var nonce: UInt64
    public var key: Goldilocks
    public var blinding: Goldilocks

    /// The empty slot: all zero (the tree's empty leaf).
    public static let empty = AccountLeaf(balance: 0, nonce: 0, key: .zero, blinding: .zero)

    /// Balances and nonces must stay below this bound (63 bits).
    public static let valueBound: UInt64 = 1 << 63

    public init(balance: UInt64, nonce: UInt64, key: Goldilocks, blinding: Goldilocks) {
        self.balance = balance
        self.nonce = nonce
        self.key = key
        self.blinding = blinding
    }

    /// The leaf as the tree stores it: `[balance, nonce, key, blinding]`.
    public var digest: RPODigest {
        RPODigest(Goldilocks(reducing: balance), Goldilocks(reducing: nonce), key, blinding)
    }

    /// Reads a leaf back from its digest (balance and nonce as canonical integers).
    public init(digest: RPODigest) {
        self.init(balance: digest.e0.value, nonce: digest.e1.value, key: digest.e2, blinding: digest.e3)
    }

    /// The leaf key of an (account, asset) pair: the first element of the RPO hash of a
    /// domain tag and both identifiers packed seven bytes per element, never zero.
    ///
    /// A key is one field element (64 bits), so it resists a birthday search only to
    /// ~2³²; it is not the sole binding of a leaf to its account: the slot registry (one
    /// slot per account and asset, assigned in order) is, and the operations commitment
    /// carries both the slot and the key for auditors.
    public static func key(account: some Collection<UInt8>, asset: some Collection<UInt8>) -> Goldilocks {
        var elements: [Goldilocks] = [Goldilocks(reducing: 0x636c_6f69_7374_6572)]  // "cloister"
        for part in [Array(account), Array(asset)] {
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
        let key = RPO256.hashElements(elements).e0
        return key.isZero ? .one : key
    }
}
