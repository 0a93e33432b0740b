import StarkCrypto
import StarkMath

/// The stored forms of leaves and tree updates: fixed-width little-endian words, a version
/// byte first, every element checked canonical on the way back.
public enum TreeCodec {
    static let updateVersion: UInt8 = 1

    public static func encode(_ leaf: AccountLeaf) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(48)
        for field in leaf.fields { write(field.value, into: &out) }
        return out
    }

    public static func decodeLeaf(_ bytes: [UInt8]) throws(AccountTreeError) -> AccountLeaf {
        var reader = Reader(bytes: bytes)
        let leaf = try reader.leaf()
        try reader.finish("a leaf")
        return leaf
    }

    public static func encode(_ update: TreeUpdate) -> [UInt8] {
        var out = [updateVersion]
        out.reserveCapacity(80 + update.operations.count * 41 + update.oldLeaves.count * 56 + update.siblings.count * 44)
        for digest in [update.oldRoot, update.newRoot] { out += digest.bytes }
        write(UInt64(update.oldCount), into: &out)
        write(UInt64(update.operations.count), into: &out)
        for operation in update.operations {
            out.append(UInt8(operation.kind.rawValue))
            for field in [operation.fromKey, operation.toKey, operation.asset, operation.amountLow, operation.amountHigh] {
                write(field.value, into: &out)
            }
        }
        write(UInt64(update.oldLeaves.count), into: &out)
        for old in update.oldLeaves {
            write(UInt64(old.slot), into: &out)
            out += encode(old.leaf)
        }
        write(UInt64(update.siblings.count), into: &out)
        for node in update.siblings {
            write(UInt64(node.level) << 32 | UInt64(node.index), into: &out)
            out += node.digest.bytes
        }
        return out
    }

    public static func decodeUpdate(_ bytes: [UInt8]) throws(AccountTreeError) -> TreeUpdate {
        var reader = Reader(bytes: bytes)
        guard try reader.byte() == updateVersion else { throw .corrupt("a tree update of an unknown version") }
        let oldRoot = try reader.digest()
        let newRoot = try reader.digest()
        let oldCount = try reader.count(limit: AccountTree.paddingSlot)
        var operations = [LeafOperation]()
        for _ in 0..<(try reader.count(limit: bytes.count / 41)) {
            guard let kind = OperationKind(rawValue: UInt64(try reader.byte())) else { throw .corrupt("an unknown operation kind") }
            operations.append(
                LeafOperation(
                    kind: kind, fromKey: try reader.element(), toKey: try reader.element(), asset: try reader.element(),
                    amountLow: try reader.element(), amountHigh: try reader.element()))
        }
        var oldLeaves = [TreeUpdate.Leaf]()
        for _ in 0..<(try reader.count(limit: bytes.count / 56)) {
            oldLeaves.append(TreeUpdate.Leaf(slot: try reader.count(limit: AccountTree.paddingSlot), leaf: try reader.leaf()))
        }
        var siblings = [TreeNode]()
        for _ in 0..<(try reader.count(limit: bytes.count / 40)) {
            let position = try reader.word()
            siblings.append(TreeNode(level: Int(position >> 32), index: Int(position & 0xFFFF_FFFF), digest: try reader.digest()))
        }
        try reader.finish("a tree update")
        return TreeUpdate(
            oldRoot: oldRoot, newRoot: newRoot, oldCount: oldCount, operations: operations, oldLeaves: oldLeaves,
            siblings: siblings)
    }

    static func write(_ word: UInt64, into out: inout [UInt8]) {
        withUnsafeBytes(of: word.littleEndian) { out.append(contentsOf: $0) }
    }

    struct Reader {
        let bytes: [UInt8]
        var position = 0

        mutating func byte() throws(AccountTreeError) -> UInt8 {
            guard position < bytes.count else { throw .corrupt("a record ends early") }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func word() throws(AccountTreeError) -> UInt64 {
            guard position + 8 <= bytes.count else { throw .corrupt("a record ends early") }
            var value: UInt64 = 0
            for offset in (0..<8).reversed() { value = value << 8 | UInt64(bytes[position + offset]) }
            position += 8
            return value
        }

        mutating func element() throws(AccountTreeError) -> Goldilocks {
            let word = try word()
            guard let element = try? Goldilocks(canonical: word) else { throw .corrupt("a field element is not canonical") }
            return element
        }

        mutating func count(limit: Int) throws(AccountTreeError) -> Int {
            let value = try word()
            guard value <= UInt64(max(limit, 0)) else { throw .corrupt("a count of \(value) is out of range") }
            return Int(value)
        }

        mutating func digest() throws(AccountTreeError) -> RPODigest {
            RPODigest(try element(), try element(), try element(), try element())
        }

        mutating func leaf() throws(AccountTreeError) -> AccountLeaf {
            AccountLeaf(fields: [try element(), try element(), try element(), try element(), try element(), try element()])
        }

        func finish(_ what: String) throws(AccountTreeError) {
            guard position == bytes.count else { throw .corrupt("\(what) has \(bytes.count - position) bytes too many") }
        }
    }
}
