import StarkCrypto
import StarkMath
import StateTree

/// Everything that opens one batch's operations commitment (``OperationsTree``): its S
/// operations in proof order (padding included) and their salts. Kept by the node after the
/// batch's statement is made, so that one operation can be disclosed with its path long after
/// the batch's tree update is gone (docs/DISCLOSURE.md). Secret, like the witness it comes from.
public struct OperationsOpening: Sendable, Equatable {
    public let batchNumber: UInt64
    public let operations: [BatchOperation]
    public let salts: [[Goldilocks]]

    public init(batchNumber: UInt64, operations: [BatchOperation], salts: [[Goldilocks]]) throws(BatchProofError) {
        let count = operations.count
        guard count > 0, count & (count - 1) == 0, salts.count == count,
            salts.allSatisfy({ $0.count == OperationsTree.saltCount })
        else {
            throw .invalidStatement(
                "batch \(batchNumber): an operations opening has a power-of-two number of operations, each with "
                    + "\(OperationsTree.saltCount) salt elements (got \(count) operations, \(salts.count) salts)")
        }
        self.batchNumber = batchNumber
        self.operations = operations
        self.salts = salts
    }

    /// The opening of `witness`'s operations commitment.
    public init(witness: BatchWitnessV3) {
        batchNumber = witness.publicInputs.batchNumber
        operations = witness.operations
        salts = witness.salts
    }

    /// Every level of the tree, leaves first.
    public var levels: [[RPODigest]] {
        OperationsTree.levels(
            leaves: zip(salts, operations).map {
                OperationsTree.leaf(batchNumber: batchNumber, salt: $0, operation: $1)
            })
    }

    /// The commitment (the root) and the sibling digests of operation `index`, from the leaf level up.
    public func path(of index: Int) -> (root: RPODigest, siblings: [RPODigest]) {
        precondition(operations.indices.contains(index), "operation \(index) is outside the batch")
        let levels = self.levels
        let siblings = levels.dropLast().enumerated().map { level, digests in digests[(index >> level) ^ 1] }
        return (levels.last![0], siblings)
    }

    // MARK: - Stored form

    /// Version byte, batch number, operation count, then per operation one byte (255: a
    /// padding slot; otherwise its kind, followed by its slots (two 4-byte) and five elements),
    /// then its three salt elements; integers little-endian.
    public var encoded: [UInt8] {
        var out: [UInt8] = [1]
        func put(_ value: UInt64, _ bytes: Int) {
            for shift in 0..<bytes { out.append(UInt8(truncatingIfNeeded: value >> (8 * shift))) }
        }
        put(batchNumber, 8)
        put(UInt64(operations.count), 4)
        for (operation, salt) in zip(operations, salts) {
            if operation == Self.padding {
                out.append(Self.paddingMarker)
            } else {
                out.append(UInt8(operation.kind.rawValue))
                put(UInt64(operation.from), 4)
                put(UInt64(operation.to), 4)
                for element in [
                    operation.amountLow, operation.amountHigh, operation.fromKey, operation.toKey, operation.asset,
                ] {
                    put(element.value, 8)
                }
            }
            for element in salt { put(element.value, 8) }
        }
        return out
    }

    public init(decoding bytes: [UInt8]) throws(BatchProofError) {
        var offset = 0
        func take(_ count: Int) throws(BatchProofError) -> UInt64 {
            guard offset + count <= bytes.count else {
                throw .invalidStatement("an operations opening record is truncated")
            }
            defer { offset += count }
            return (0..<count).reduce(0) { $0 | UInt64(bytes[offset + $1]) << (8 * $1) }
        }
        func element() throws(BatchProofError) -> Goldilocks {
            let value = try take(8)
            guard value < Goldilocks.modulus else {
                throw .invalidStatement("an operations opening record holds a non-canonical element")
            }
            return Goldilocks(reducing: value)
        }
        guard try take(1) == 1 else { throw .invalidStatement("an operations opening record of an unknown version") }
        let number = try take(8)
        let count = Int(try take(4))
        var operations = [BatchOperation]()
        var salts = [[Goldilocks]]()
        for _ in 0..<count {
            let marker = try take(1)
            if marker == UInt64(Self.paddingMarker) {
                operations.append(Self.padding)
            } else {
                guard let kind = OperationKind(rawValue: marker) else {
                    throw .invalidStatement("an operations opening record names an unknown operation kind")
                }
                let from = Int(try take(4))
                let to = Int(try take(4))
                operations.append(
                    BatchOperation(
                        kind: kind, from: from, to: to, amountLow: try element(), amountHigh: try element(),
                        fromKey: try element(), toKey: try element(), asset: try element()))
            }
            salts.append([try element(), try element(), try element()])
        }
        guard offset == bytes.count else { throw .invalidStatement("an operations opening record has trailing bytes") }
        try self.init(batchNumber: number, operations: operations, salts: salts)
    }

    static let paddingMarker: UInt8 = 255

    /// A padding slot as the witness writes it (``LeafOperation/padding`` at the padding slot).
    static var padding: BatchOperation {
        let padding = LeafOperation.padding
        return BatchOperation(
            kind: .padding, from: AccountTree.paddingSlot, to: AccountTree.paddingSlot, amountLow: padding.amountLow,
            amountHigh: padding.amountHigh, fromKey: .zero, toKey: .zero, asset: padding.asset)
    }
}

extension OperationsTree {
    /// The root that `leaf` at `index` reaches through `siblings` (leaf level up; an even
    /// index at a level: the node is on the left).
    public static func root(fromLeaf leaf: RPODigest, index: Int, siblings: [RPODigest]) -> RPODigest {
        var node = leaf
        for (level, sibling) in siblings.enumerated() {
            node = (index >> level) & 1 == 0 ? RPO256.merge(node, sibling) : RPO256.merge(sibling, node)
        }
        return node
    }
}
