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
            hashes.reserveCapacity(try list.itemCount())
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

    /// A block's header, hash and number of transactions.
    public struct Summary: Sendable, Equatable {
        public var header: BlockHeader
        public var hash: Hash32
        public var transactionCount: Int
    }

    /// The summary of a stored block, read without decoding its transaction hashes: a list of
    /// a thousand busy blocks (the admin API's `listBlocks`, the console's chart) would
    /// otherwise decode hundreds of thousands of hashes it never shows.
    public static func summary(encoded: [UInt8]) throws(NodeError) -> Summary {
        do {
            var reader = RLPReader(encoded)
            var fields = try reader.readList()
            let header = try BlockHeader(decoding: &fields)
            let list = try fields.readList()
            let count = try list.itemCount()
            try fields.finish()
            try reader.finish()
            return Summary(header: header, hash: header.hash, transactionCount: count)
        } catch {
            throw .corruptRecord("block: \(error)")
        }
    }

    public var summary: Summary { Summary(header: header, hash: hash, transactionCount: transactionHashes.count) }
}
