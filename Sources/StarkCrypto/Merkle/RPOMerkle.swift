import StarkMath

/// Merkle trees whose nodes are RPO `merge(left, right)`: the state's commitments, cheap
/// to re-hash inside the AIR. Leaves are digest-sized words and are not hashed again.
public enum RPOMerkle {
    /// The root of the complete tree over a power-of-two number of leaves.
    /// - Throws: ``MerkleError/leafCountNotPowerOfTwo(_:)``.
    public static func root(
        ofLeaves leaves: [RPODigest], parallelism: Parallelism = .automatic
    ) throws(MerkleError)
        -> RPODigest
    {
        let count = leaves.count
        guard count > 0, count & (count - 1) == 0 else { throw .leafCountNotPowerOfTwo(count) }
        var level = leaves
        while level.count > 1 {
            level = mergePairs(level, parallelism: parallelism)
        }
        return level[0]
    }

    /// `[merge(l[0], l[1]), merge(l[2], l[3]), …]`; an odd last node is merged with
    /// `padding`.
    public static func mergePairs(
        _ level: [RPODigest], padding: RPODigest = .zero, parallelism: Parallelism = .automatic
    ) -> [RPODigest] {
        let parentCount = (level.count + 1) / 2
        return [RPODigest](unsafeUninitializedCapacity: parentCount) { parents, initialized in
            level.withUnsafeBufferPointer { children in
                parallelism.forEachChunk(count: parentCount, minimumChunk: 256) { range in
                    RPO256.merge(count: range.count, into: parents.baseAddress! + range.lowerBound) { offset in
                        let parent = range.lowerBound + offset
                        return (children[2 * parent], 2 * parent + 1 < children.count ? children[2 * parent + 1] : padding)
                    }
                }
            }
            initialized = parentCount
        }
    }

    /// The root reached from `leaf` at `index` through `siblings` (bottom first): bit k of
    /// the index says whether the running digest is the right (1) or left (0) child at
    /// level k. Bits of `index` beyond `siblings.count` are ignored; callers bound it.
    public static func root(fromLeaf leaf: RPODigest, index: UInt64, siblings: [RPODigest]) -> RPODigest {
        var digest = leaf
        var position = index
        for sibling in siblings {
            digest = position & 1 == 0 ? RPO256.merge(digest, sibling) : RPO256.merge(sibling, digest)
            position >>= 1
        }
        return digest
    }

    /// Roots of all-empty subtrees: entry 0 is the empty leaf, entry k is the root of an
    /// empty subtree of height k (`merge(entry[k−1], entry[k−1])`), for k = 0 … depth.
    public static func emptySubtreeRoots(depth: Int, emptyLeaf: RPODigest = .zero) -> [RPODigest] {
        precondition(depth >= 0, "a tree depth cannot be negative")
        var roots = [emptyLeaf]
        roots.reserveCapacity(depth + 1)
        for _ in 0..<depth { roots.append(RPO256.merge(roots[roots.count - 1], roots[roots.count - 1])) }
        return roots
    }
}
