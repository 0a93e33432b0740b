import Ledger
import Primitives
import Transactions

/// The node's form of a ledger entry in the store: 16 reserved bytes, then the ledger value.
///
/// The reserved bytes held a slot and blinding of the ledger-entry tree that block headers
/// committed to before the one state tree (docs/PROOFS.md); they are written as zero and
/// ignored when read, so entries written by earlier versions still load.
public struct StoredLedgerEntry: Sendable, Equatable {
    public var value: StateValue

    public var encoded: [UInt8] {
        let value = value.encoded
        var output = [UInt8]()
        output.reserveCapacity(16 + value.count)
        output.append(contentsOf: repeatElement(0, count: 16))
        output.append(contentsOf: value)
        return output
    }

    public init(value: StateValue) {
        self.value = value
    }

    public init(encoded: [UInt8]) throws(NodeError) {
        guard encoded.count > 16 else { throw .corruptRecord("ledger entry of \(encoded.count) bytes") }
        do { value = try StateValue(encoded: Array(encoded[16...])) } catch { throw .corruptRecord("ledger value: \(error)") }
    }
}
