import Ledger
import Primitives
import Transactions

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
