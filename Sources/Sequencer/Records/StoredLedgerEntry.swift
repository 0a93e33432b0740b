import Ledger
import Primitives
import Transactions

/// The node's form of a ledger entry in the store: the account-tree slot and blinding
/// assigned by the sequencer, then the ledger value.
///
/// Slots and blindings are chosen when the block is produced and stored with it, so the
/// account tree can be rebuilt after a restart to exactly the same root.
public struct StoredLedgerEntry: Sendable, Equatable {
    public var slot: UInt64
    /// A fresh random field element on every change: the tree leaf reveals nothing.
    public var blinding: UInt64
    public var value: StateValue

    public var encoded: [UInt8] {
        let value = value.encoded
        var output = [UInt8]()
        output.reserveCapacity(16 + value.count)
        withUnsafeBytes(of: slot.bigEndian) { output.append(contentsOf: $0) }
        withUnsafeBytes(of: blinding.bigEndian) { output.append(contentsOf: $0) }
        output.append(contentsOf: value)
        return output
    }

    public init(slot: UInt64, blinding: UInt64, value: StateValue) {
        self.slot = slot
        self.blinding = blinding
        self.value = value
    }

    public init(encoded: [UInt8]) throws(NodeError) {
        guard encoded.count > 16 else { throw .corruptRecord("ledger entry of \(encoded.count) bytes") }
        slot = encoded[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
        blinding = encoded[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
        do { value = try StateValue(encoded: Array(encoded[16...])) } catch { throw .corruptRecord("ledger value: \(error)") }
    }
}
