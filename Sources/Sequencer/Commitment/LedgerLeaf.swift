import Ledger
import Primitives
import StarkCrypto
import StarkMath
import StateTree
import Store

/// How a ledger entry becomes an account-tree leaf.
///
/// leaf = RPO-256(blinding, length, key ‖ value packed 7 bytes per element). The blinding is a
/// fresh random field element on every change, so neither a leaf nor the root says
/// anything about balances. (The batch proof may later fix a more AIR-friendly layout,
/// e.g. [balance, nonce, key, blinding]; the tree and slots do not change with it.)
public enum LedgerLeaf {
    public static func digest(key: StateKey, value: StateValue, blinding: UInt64) -> RPODigest {
        let bytes = key.encoded + value.encoded
        var elements = [Goldilocks]()
        elements.reserveCapacity(2 + (bytes.count + 6) / 7)
        elements.append(Goldilocks(reducing: blinding))
        elements.append(Goldilocks(reducing: UInt64(bytes.count)))
        var index = 0
        while index < bytes.count {
            var chunk: UInt64 = 0
            for offset in 0..<7 where index + offset < bytes.count {
                chunk |= UInt64(bytes[index + offset]) << (8 * UInt64(offset))
            }
            elements.append(Goldilocks(reducing: chunk))
            index += 7
        }
        return RPO256.hashElements(elements)
    }

    public static func hash(_ digest: RPODigest) -> Hash32 { Hash32(exactly: digest.bytes) }
}
