import Primitives
import StarkMath

/// A SHA-256 Merkle tree over rows of field elements: the STARK's commitment to trace,
/// constraint and FRI layer evaluations.
///
/// * leaf = SHA-256(0x00 ‖ row ‖ salt?), each element as 8 little-endian bytes;
/// * node = SHA-256(0x01 ‖ left ‖ right).
///
/// The one-byte tags keep leaves and inner nodes apart, so an inner node can never be
/// opened as if it were a leaf (second-preimage attacks on short paths). The optional
/// 32-byte salt per row is what makes the commitment hiding for zero knowledge: without
/// it, a low-entropy row could be found by brute force from its digest.
///
/// The tree is complete (power-of-two leaves) and stored as one array in heap order:
/// node 1 is the root, node i has children 2i and 2i + 1, leaf j is node leafCount + j.
public struct MerkleTree: Sendable {
    /// Domain-separation tags.
    public static let leafTag: UInt8 = 0x00
    public static let nodeTag: UInt8 = 0x01

    /// The number of leaves (a power of two).
    public let leafCount: Int
    /// Heap-ordered digests; index 0 is unused.
    let nodes: [Hash32]

    /// The commitment.
    public var root: Hash32 { nodes[1] }
    /// The number of siblings on every path: log₂ leafCount.
    public var depth: Int { leafCount.trailingZeroBitCount }

    /// Builds the tree over already-hashed leaves.
    /// - Throws: ``MerkleError/leafCountNotPowerOfTwo(_:)``.
    public init(leaves: [Hash32], parallelism: Parallelism = .automatic) throws(MerkleError) {
        let count = leaves.count
        guard count > 0, count & (count - 1) == 0 else { throw .leafCountNotPowerOfTwo(count) }
        self.leafCount = count
        self.nodes = [Hash32](unsafeUninitializedCapacity: 2 * count) { nodes, initialized in
            nodes.initialize(repeating: .zero)
            for (index, leaf) in leaves.enumerated() { nodes[count + index] = leaf }
            Self.hashInnerNodes(nodes, leafCount: count, parallelism: parallelism)
            initialized = 2 * count
        }
    }

    /// Builds the tree with `writeLeaves` writing the leaf digests (leaf j at index j)
    /// straight into the tree's own storage: a commitment to N rows then holds 2N
    /// digests, not a separate array of N leaves as well while it is built.
    /// - Throws: ``MerkleError/leafCountNotPowerOfTwo(_:)``.
    public init(
        leafCount count: Int, parallelism: Parallelism = .automatic,
        writeLeaves: (UnsafeMutableBufferPointer<Hash32>) -> Void
    ) throws(MerkleError) {
        guard count > 0, count & (count - 1) == 0 else { throw .leafCountNotPowerOfTwo(count) }
        self.leafCount = count
        self.nodes = [Hash32](unsafeUninitializedCapacity: 2 * count) { nodes, initialized in
            nodes.initialize(repeating: .zero)
            writeLeaves(UnsafeMutableBufferPointer(rebasing: nodes[count..<(2 * count)]))
            Self.hashInnerNodes(nodes, leafCount: count, parallelism: parallelism)
            initialized = 2 * count
        }
    }

    /// Hashes each row (row-major, `rowWidth` elements per row, with an optional salt per
    /// row) and builds the tree over the row digests.
    /// - Throws: ``MerkleError/ragged(elements:rowWidth:)``,
    ///   ``MerkleError/wrongSaltCount(expected:actual:)``,
    ///   ``MerkleError/leafCountNotPowerOfTwo(_:)``.
    public init(
        rows: [Goldilocks], rowWidth: Int, salts: [Hash32]? = nil, parallelism: Parallelism = .automatic
    ) throws(MerkleError) {
        guard rowWidth > 0, rows.count % rowWidth == 0 else { throw .ragged(elements: rows.count, rowWidth: rowWidth) }
        let rowCount = rows.count / rowWidth
        if let salts, salts.count != rowCount { throw .wrongSaltCount(expected: rowCount, actual: salts.count) }
        guard rowCount > 0, rowCount & (rowCount - 1) == 0 else { throw .leafCountNotPowerOfTwo(rowCount) }
        let leaves = rows.withUnsafeBufferPointer { elements in
            Self.hashRows(count: rowCount, parallelism: parallelism) { row in
                Self.hashLeaf(
                    UnsafeBufferPointer(rebasing: elements[(row * rowWidth)..<((row + 1) * rowWidth)]),
                    salt: salts?[row])
            }
        }
        try self.init(leaves: leaves, parallelism: parallelism)
    }

    /// Row i is `[columns[0][i], columns[1][i], …]`: how an LDE kept column by column is
    /// committed row by row. Every column must have the same power-of-two length.
    public init(
        columns: [[Goldilocks]], salts: [Hash32]? = nil, parallelism: Parallelism = .automatic
    ) throws(MerkleError) {
        guard let rowCount = columns.first?.count else { throw .leafCountNotPowerOfTwo(0) }
        for column in columns where column.count != rowCount {
            throw .ragged(elements: columns.reduce(0) { $0 + $1.count }, rowWidth: columns.count)
        }
        if let salts, salts.count != rowCount { throw .wrongSaltCount(expected: rowCount, actual: salts.count) }
        guard rowCount > 0, rowCount & (rowCount - 1) == 0 else { throw .leafCountNotPowerOfTwo(rowCount) }
        let width = columns.count
        let leaves = Self.hashRows(count: rowCount, parallelism: parallelism) { row in
            withUnsafeTemporaryAllocation(of: Goldilocks.self, capacity: width) { gathered in
                for column in 0..<width { gathered[column] = columns[column][row] }
                return Self.hashLeaf(UnsafeBufferPointer(gathered), salt: salts?[row])
            }
        }
        try self.init(leaves: leaves, parallelism: parallelism)
    }

    // MARK: - Hashing

    /// SHA-256(0x00 ‖ row ‖ salt?), each element as 8 little-endian bytes.
    public static func hashLeaf(_ row: UnsafeBufferPointer<Goldilocks>, salt: Hash32? = nil) -> Hash32 {
        let byteCount = 1 + 8 * row.count + (salt == nil ? 0 : Hash32.byteCount)
        return withUnsafeTemporaryAllocation(byteCount: byteCount, alignment: 8) { buffer in
            buffer[0] = leafTag
            var offset = 1
            for element in row {
                buffer.storeBytes(of: element.value.littleEndian, toByteOffset: offset, as: UInt64.self)
                offset += 8
            }
            if let salt {
                salt.withUnsafeBytes { saltBytes in
                    UnsafeMutableRawBufferPointer(rebasing: buffer[offset...]).copyMemory(from: saltBytes)
                }
            }
            return SHA256.hash(UnsafeRawBufferPointer(buffer))
        }
    }

    /// SHA-256(0x00 ‖ row ‖ salt?) for a row held in an array.
    public static func hashLeaf(_ row: [Goldilocks], salt: Hash32? = nil) -> Hash32 {
        row.withUnsafeBufferPointer { hashLeaf($0, salt: salt) }
    }

    /// SHA-256(0x01 ‖ left ‖ right), assembled in a 65-byte stack buffer.
    public static func hashNode(_ left: Hash32, _ right: Hash32) -> Hash32 {
        withUnsafeTemporaryAllocation(byteCount: 65, alignment: 8) { buffer in
            buffer[0] = nodeTag
            left.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[1..<33]).copyMemory(from: $0) }
            right.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[33..<65]).copyMemory(from: $0) }
            return SHA256.hash(UnsafeRawBufferPointer(buffer))
        }
    }

    static func hashRows(count: Int, parallelism: Parallelism, _ hashRow: (Int) -> Hash32) -> [Hash32] {
        [Hash32](unsafeUninitializedCapacity: count) { digests, initialized in
            parallelism.forEachChunk(count: count, minimumChunk: 256) { rows in
                for row in rows { (digests.baseAddress! + row).initialize(to: hashRow(row)) }
            }
            initialized = count
        }
    }

    static func hashInnerNodes(_ nodes: UnsafeMutableBufferPointer<Hash32>, leafCount: Int, parallelism: Parallelism) {
        var levelStart = leafCount / 2
        while levelStart >= 1 {
            let start = levelStart
            parallelism.forEachChunk(count: start, minimumChunk: 1024) { range in
                for offset in range {
                    let parent = start + offset
                    nodes[parent] = hashNode(nodes[2 * parent], nodes[2 * parent + 1])
                }
            }
            levelStart /= 2
        }
    }

    // MARK: - Openings

    /// The digest of leaf `index`.
    public func leaf(at index: Int) throws(MerkleError) -> Hash32 {
        guard index >= 0, index < leafCount else { throw .indexOutOfRange(index: index, leafCount: leafCount) }
        return nodes[leafCount + index]
    }

    /// The authentication path of one leaf: its siblings from the bottom up.
    public func path(for index: Int) throws(MerkleError) -> MerklePath {
        guard index >= 0, index < leafCount else { throw .indexOutOfRange(index: index, leafCount: leafCount) }
        var siblings = [Hash32]()
        siblings.reserveCapacity(depth)
        var position = leafCount + index
        while position > 1 {
            siblings.append(nodes[position ^ 1])
            position >>= 1
        }
        return MerklePath(index: index, siblings: siblings)
    }

    /// One batched opening of several leaves: each sibling that is neither opened nor
    /// computable from opened leaves appears once, level by level from the leaves up and
    /// left to right. Indices may repeat and come in any order.
    public func multiProof(for indices: [Int]) throws(MerkleError) -> MerkleMultiProof {
        guard !indices.isEmpty else { throw .noLeavesOpened }
        for index in indices where index < 0 || index >= leafCount {
            throw .indexOutOfRange(index: index, leafCount: leafCount)
        }
        var positions = Array(Set(indices.map { leafCount + $0 })).sorted()
        var siblings = [Hash32]()
        while positions != [1] {
            var parents = [Int]()
            parents.reserveCapacity(positions.count)
            var k = 0
            while k < positions.count {
                let position = positions[k]
                if position & 1 == 0, k + 1 < positions.count, positions[k + 1] == position + 1 {
                    k += 2
                } else {
                    siblings.append(nodes[position ^ 1])
                    k += 1
                }
                parents.append(position >> 1)
            }
            positions = parents
        }
        return MerkleMultiProof(siblings: siblings)
    }
}

/// The siblings from one leaf up to the root (bottom first).
public struct MerklePath: Sendable, Hashable {
    public let index: Int
    public let siblings: [Hash32]

    public init(index: Int, siblings: [Hash32]) {
        self.index = index
        self.siblings = siblings
    }

    /// Checks that `leaf` sits at ``index`` in the tree with `root` and `leafCount` leaves.
    /// The verifier supplies `leafCount` from its own parameters: the path's length and
    /// index are checked against it, never trusted.
    public func verify(leaf: Hash32, root: Hash32, leafCount: Int) throws(MerkleError) {
        guard leafCount > 0, leafCount & (leafCount - 1) == 0 else { throw .leafCountNotPowerOfTwo(leafCount) }
        guard index >= 0, index < leafCount else { throw .indexOutOfRange(index: index, leafCount: leafCount) }
        let depth = leafCount.trailingZeroBitCount
        guard siblings.count == depth else { throw .wrongPathLength(expected: depth, actual: siblings.count) }
        var digest = leaf
        var position = index
        for sibling in siblings {
            digest = position & 1 == 0 ? MerkleTree.hashNode(digest, sibling) : MerkleTree.hashNode(sibling, digest)
            position >>= 1
        }
        guard digest == root else { throw .rootMismatch }
    }
}

/// A batched opening of several leaves (see ``MerkleTree/multiProof(for:)``).
public struct MerkleMultiProof: Sendable, Hashable {
    public let siblings: [Hash32]

    public init(siblings: [Hash32]) { self.siblings = siblings }

    /// Checks that each `leaves[i]` sits at `indices[i]` in the tree with `root` and
    /// `leafCount` leaves, consuming exactly the proof's siblings.
    ///
    /// Rejects indices out of range, a repeated index with two different digests, too few
    /// or too many siblings, and any changed sibling or leaf (root mismatch).
    public func verify(root: Hash32, leafCount: Int, indices: [Int], leaves: [Hash32]) throws(MerkleError) {
        guard leafCount > 0, leafCount & (leafCount - 1) == 0 else { throw .leafCountNotPowerOfTwo(leafCount) }
        guard !indices.isEmpty else { throw .noLeavesOpened }
        guard indices.count == leaves.count else {
            throw .leafCountMismatch(indices: indices.count, leaves: leaves.count)
        }
        var opened = [(position: Int, digest: Hash32)]()
        opened.reserveCapacity(indices.count)
        for (index, leaf) in zip(indices, leaves) {
            guard index >= 0, index < leafCount else { throw .indexOutOfRange(index: index, leafCount: leafCount) }
            opened.append((leafCount + index, leaf))
        }
        opened.sort { $0.position < $1.position }
        var current = [(position: Int, digest: Hash32)]()
        current.reserveCapacity(opened.count)
        for entry in opened {
            if let last = current.last, last.position == entry.position {
                guard last.digest == entry.digest else { throw .conflictingLeaves(index: entry.position - leafCount) }
                continue
            }
            current.append(entry)
        }

        var cursor = 0
        while current.count > 1 || current[0].position != 1 {
            var parents = [(position: Int, digest: Hash32)]()
            parents.reserveCapacity(current.count)
            var k = 0
            while k < current.count {
                let (position, digest) = current[k]
                let parent: Hash32
                if position & 1 == 0, k + 1 < current.count, current[k + 1].position == position + 1 {
                    parent = MerkleTree.hashNode(digest, current[k + 1].digest)
                    k += 2
                } else {
                    guard cursor < siblings.count else { throw .missingSiblings(supplied: siblings.count) }
                    let sibling = siblings[cursor]
                    cursor += 1
                    parent =
                        position & 1 == 0 ? MerkleTree.hashNode(digest, sibling) : MerkleTree.hashNode(sibling, digest)
                    k += 1
                }
                parents.append((position >> 1, parent))
            }
            current = parents
        }
        guard cursor == siblings.count else { throw .unusedSiblings(used: cursor, supplied: siblings.count) }
        guard current[0].digest == root else { throw .rootMismatch }
    }
}
