import Primitives
import StarkCrypto
import StarkMath

/// Columns of equal length in one contiguous column-major allocation: one coset of the
/// low-degree extensions the prover commits to and reads row by row. Hot loops take raw column
/// pointers, so no `Array` copy-on-write or per-element allocation happens in them.
final class ColumnMatrix<Element>: @unchecked Sendable {
    let rowCount: Int
    let columnCount: Int
    let storage: UnsafeMutablePointer<Element>

    init(rowCount: Int, columnCount: Int) {
        self.rowCount = rowCount
        self.columnCount = columnCount
        storage = .allocate(capacity: max(1, rowCount * columnCount))
    }

    deinit { storage.deallocate() }

    @inline(__always)
    func column(_ index: Int) -> UnsafeMutablePointer<Element> { storage + index * rowCount }

    /// Every column, one after the other.
    var all: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: storage, count: rowCount * columnCount) }
}

/// The prover's source of masking randomness: OpenSSL's CSPRNG, buffered. Never the
/// transcript, which the verifier (and anyone) can recompute.
struct SecureRandomGenerator: RandomNumberGenerator {
    private var buffer = [UInt64](repeating: 0, count: 512)
    private var index = 512

    mutating func next() -> UInt64 {
        if index == buffer.count {
            buffer.withUnsafeMutableBytes { SecureRandom.fill($0) }
            index = 0
        }
        defer { index += 1 }
        return buffer[index]
    }
}

/// The Goldilocks coordinates of extension elements, written without allocating.
enum Coordinates {
    /// Writes the `E.extensionDegree` coordinates of `value` at `output`.
    @inline(__always)
    static func write<E: FieldElement>(_ value: E, to output: UnsafeMutablePointer<Goldilocks>) {
        withUnsafeBytes(of: value) { raw in
            for index in 0..<E.extensionDegree {
                output[index] = raw.load(fromByteOffset: 8 * index, as: Goldilocks.self)
            }
        }
    }

    static func flatten<E: FieldElement>(_ values: [E]) -> [Goldilocks] {
        precondition(MemoryLayout<E>.size == 8 * E.extensionDegree, "extension elements must be packed coordinates")
        var result = [Goldilocks](repeating: .zero, count: values.count * E.extensionDegree)
        result.withUnsafeMutableBufferPointer { out in
            for (index, value) in values.enumerated() { write(value, to: out.baseAddress! + index * E.extensionDegree) }
        }
        return result
    }
}

/// Builds a Merkle tree over `rowCount` rows of `rowWidth` base elements (unsalted: FRI's
/// layers), hashing rows on all cores straight into the tree's leaf level; `fill(row, buffer)`
/// writes one row into a per-thread scratch buffer.
func commitRows(rowCount: Int, rowWidth: Int, fill: (Int, UnsafeMutablePointer<Goldilocks>) -> Void) -> MerkleTree {
    try! MerkleTree(leafCount: rowCount) { leaves in
        Parallelism.automatic.forEachChunk(count: rowCount, minimumChunk: 512) { rows in
            let scratch = UnsafeMutableBufferPointer<Goldilocks>.allocate(capacity: rowWidth)
            defer { scratch.deallocate() }
            for row in rows {
                fill(row, scratch.baseAddress!)
                leaves[row] = MerkleTree.hashLeaf(UnsafeBufferPointer(scratch), salt: nil)
            }
        }
    }
}
