import Ledger
import Primitives
import Transactions

/// A produced block: header, hash and the hashes of its transactions in order.
public struct SequencedBlock: Sendable, Equatable {
    public var header: BlockHeader
    public var hash: Hash32
    public var transactionHashes: [Hash32]

    public init(header: BlockHeader, transactionHashes: [Hash32]) {
        self.header = header
        self.hash = header.hash
        self.transactionHashes = transactionHashes
    }

    /// Storage form: rlp([header, [transaction hashes]]).
    public var encoded: [UInt8] {
        var output = [UInt8]()
        RLP.encodeList(into: &output) { out in
            out += header.encoded
            RLP.encodeList(into: &out) { list in
                for hash in transactionHashes { RLP.encode(bytes: hash.bytes, into: &list) }
            }
        }
        return output
    }

    public init(encoded: [UInt8]) throws(NodeError) {
        do {
            var reader = RLPReader(encoded)
            var fields = try reader.readList()
            let header = try BlockHeader(decoding: &fields)
            var list = try fields.readList()
            var hashes = [Hash32]()
            while !list.isAtEnd {
                guard let hash = try? Hash32(try list.readBytes()) else { throw RLPError.expectedBytes }
                hashes.append(hash)
            }
            try fields.finish()
            try reader.finish()
            self.init(header: header, transactionHashes: hashes)
        } catch {
            throw .corruptRecord("block: \(error)")
        }
    }
}

/// A transaction as included in a block, with its sender and receipt.
public struct IncludedTransaction: Sendable, Equatable {
    public var signed: SignedTransaction
    public var sender: Address
    public var blockNumber: UInt64
    public var blockHash: Hash32
    public var position: Int
    public var receipt: ExecutionReceipt
    public var cumulativeGasUsed: UInt64
    /// Index of this transaction's first log within the block.
    public var firstLogIndex: Int

    public var hash: Hash32 { signed.hash }

    /// keccak256 of the receipt fields, the leaf of the block's receipts root.
    public var receiptHash: Hash32 { receiptHash(encodedLogs: Self.encodedLogs(receipt.logs)) }

    /// keccak256(rlp([status, cumulativeGasUsed, logs])): the receipt leaf for any selection of
    /// a block's receipts (a member's view counts only its own gas and logs).
    public static func receiptHash(succeeded: Bool, cumulativeGasUsed: UInt64, logs: [Log]) -> Hash32 {
        let encodedLogs = encodedLogs(logs)
        var bytes = [UInt8]()
        bytes.reserveCapacity(encodedLogs.count + 16)
        RLP.encodeList(into: &bytes) { out in
            RLP.encode(UInt64(succeeded ? 1 : 0), into: &out)
            RLP.encode(cumulativeGasUsed, into: &out)
            out.append(contentsOf: encodedLogs)
        }
        return Keccak256.hash(bytes)
    }

    /// The receipt hash with the logs already encoded (a block encodes each transaction's logs
    /// once, for this and for the storage form).
    func receiptHash(encodedLogs: [UInt8]) -> Hash32 {
        var bytes = [UInt8]()
        bytes.reserveCapacity(encodedLogs.count + 16)
        RLP.encodeList(into: &bytes) { out in
            RLP.encode(UInt64(receipt.succeeded ? 1 : 0), into: &out)
            RLP.encode(cumulativeGasUsed, into: &out)
            out.append(contentsOf: encodedLogs)
        }
        return Keccak256.hash(bytes)
    }

    /// The RLP list of `logs`, as receipts hold it.
    static func encodedLogs(_ logs: [Log]) -> [UInt8] {
        var out = [UInt8]()
        RLP.encodeList(into: &out) { list in
            for log in logs {
                RLP.encodeList(into: &list) { item in
                    log.address.withUnsafeBytes { RLP.encode(bytes: $0, into: &item) }
                    RLP.encodeList(into: &item) { topics in
                        for topic in log.topics { topic.withUnsafeBytes { RLP.encode(bytes: $0, into: &topics) } }
                    }
                    RLP.encode(bytes: log.data, into: &item)
                }
            }
        }
        return out
    }

    /// Storage form.
    public var encoded: [UInt8] { encoded(encodedLogs: Self.encodedLogs(receipt.logs)) }

    /// The storage form with the logs already encoded.
    func encoded(encodedLogs: [UInt8]) -> [UInt8] {
        var output = [UInt8]()
        output.reserveCapacity(signed.rawBytes.count + encodedLogs.count + 128)
        RLP.encodeList(into: &output) { out in
            RLP.encode(bytes: signed.rawBytes, into: &out)
            sender.withUnsafeBytes { RLP.encode(bytes: $0, into: &out) }
            RLP.encode(blockNumber, into: &out)
            blockHash.withUnsafeBytes { RLP.encode(bytes: $0, into: &out) }
            RLP.encode(UInt64(position), into: &out)
            RLP.encode(UInt64(receipt.succeeded ? 1 : 0), into: &out)
            RLP.encode(receipt.gasUsed, into: &out)
            RLP.encode(cumulativeGasUsed, into: &out)
            RLP.encode(UInt64(firstLogIndex), into: &out)
            out.append(contentsOf: encodedLogs)
            RLP.encode(bytes: (receipt.revertReason ?? "").utf8, into: &out)
        }
        return output
    }

    public init(
        signed: SignedTransaction, sender: Address, blockNumber: UInt64, blockHash: Hash32, position: Int,
        receipt: ExecutionReceipt, cumulativeGasUsed: UInt64, firstLogIndex: Int
    ) {
        self.signed = signed
        self.sender = sender
        self.blockNumber = blockNumber
        self.blockHash = blockHash
        self.position = position
        self.receipt = receipt
        self.cumulativeGasUsed = cumulativeGasUsed
        self.firstLogIndex = firstLogIndex
    }

    public init(encoded: [UInt8]) throws(NodeError) {
        do {
            var reader = RLPReader(encoded)
            var fields = try reader.readList()
            let raw = Array(try fields.readBytes())
            let signed = try TransactionCodec.decode(raw)
            let sender = try Address(try fields.readBytes())
            let blockNumber = try fields.readUInt64()
            let blockHash = try Hash32(try fields.readBytes())
            let position = Int(try fields.readUInt64())
            let status = try fields.readUInt64()
            let gasUsed = try fields.readUInt64()
            let cumulative = try fields.readUInt64()
            let firstLogIndex = Int(try fields.readUInt64())
            var logList = try fields.readList()
            var logs = [Log]()
            while !logList.isAtEnd {
                var item = try logList.readList()
                let address = try Address(try item.readBytes())
                var topicList = try item.readList()
                var topics = [Hash32]()
                while !topicList.isAtEnd { topics.append(try Hash32(try topicList.readBytes())) }
                logs.append(Log(address: address, topics: topics, data: Array(try item.readBytes())))
                try item.finish()
            }
            let reason = String(decoding: try fields.readBytes(), as: UTF8.self)
            try fields.finish()
            try reader.finish()
            self.init(
                signed: signed, sender: sender, blockNumber: blockNumber, blockHash: blockHash, position: position,
                receipt: ExecutionReceipt(
                    succeeded: status == 1, gasUsed: gasUsed, logs: logs, revertReason: status == 1 ? nil : reason),
                cumulativeGasUsed: cumulative, firstLogIndex: firstLogIndex)
        } catch let error as NodeError {
            throw error
        } catch {
            throw .corruptRecord("transaction: \(error)")
        }
    }
}

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

/// A binary Keccak-256 Merkle root (odd nodes are paired with themselves; empty is the
/// hash of nothing). Used for the header's transactions and receipts roots.
public enum KeccakMerkle {
    public static func root(_ leaves: [Hash32]) -> Hash32 {
        guard !leaves.isEmpty else { return Keccak256.hash([UInt8]()) }
        var level = leaves
        while level.count > 1 {
            var next = [Hash32]()
            next.reserveCapacity((level.count + 1) / 2)
            for index in stride(from: 0, to: level.count, by: 2) {
                let left = level[index]
                let right = index + 1 < level.count ? level[index + 1] : left
                var hasher = Keccak256()
                hasher.update(left)
                hasher.update(right)
                next.append(hasher.finalize())
            }
            level = next
        }
        return level[0]
    }
}
