import Primitives

/// A block header with every field of the execution-apis schema (London layout), so that
/// ethers and web3.py accept blocks unchanged.
///
/// Field meanings on Cloister (see docs/ARCHITECTURE.md, "Block header fields"):
/// - `stateRoot`: the account-tree root (RPO-256, four Goldilocks elements, 32 bytes
///   little-endian) of the newest batch sealed before this block was produced: the state
///   commitment that goes to L1. It changes only when a batch is sealed.
/// - `transactionsRoot` / `receiptsRoot`: binary Keccak-256 Merkle roots over the block's
///   transaction hashes / receipt hashes (not Ethereum's Patricia trie).
/// - `mixHash`: a fresh secret 32-byte salt per block (zero on blocks written before it was
///   added), so that the block hash hides the roots it covers; members never see this header
///   or its hash, only their own view of the block (API `MemberView`); auditors see both.
/// - `difficulty`, `nonce`: zero, as on any post-merge chain; `baseFeePerGas` is the configured
///   gas price (zero by default).
public struct BlockHeader: Sendable, Equatable {
    /// keccak256(rlp([])): no ommers, ever.
    public static let emptyOmmersHash = Hash32(hexLiteral: "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347")

    public var parentHash: Hash32
    public var ommersHash: Hash32 = BlockHeader.emptyOmmersHash
    public var beneficiary: Address
    public var stateRoot: Hash32
    public var transactionsRoot: Hash32
    public var receiptsRoot: Hash32
    public var logsBloom: LogsBloom
    public var difficulty: UInt64 = 0
    public var number: UInt64
    public var gasLimit: UInt64
    public var gasUsed: UInt64
    /// Seconds since the Unix epoch.
    public var timestamp: UInt64
    public var extraData: [UInt8]
    public var mixHash: Hash32 = .zero
    public var nonce: UInt64 = 0
    public var baseFeePerGas: UInt256

    public init(
        parentHash: Hash32, beneficiary: Address, stateRoot: Hash32, transactionsRoot: Hash32, receiptsRoot: Hash32,
        logsBloom: LogsBloom, number: UInt64, gasLimit: UInt64, gasUsed: UInt64, timestamp: UInt64, extraData: [UInt8],
        baseFeePerGas: UInt256
    ) {
        self.parentHash = parentHash
        self.beneficiary = beneficiary
        self.stateRoot = stateRoot
        self.transactionsRoot = transactionsRoot
        self.receiptsRoot = receiptsRoot
        self.logsBloom = logsBloom
        self.number = number
        self.gasLimit = gasLimit
        self.gasUsed = gasUsed
        self.timestamp = timestamp
        self.extraData = extraData
        self.baseFeePerGas = baseFeePerGas
    }

    /// 32 random bytes from the CSPRNG: the secret salt of a real header (`mixHash`).
    public static func freshSalt() -> Hash32 { Hash32(exactly: SecureRandom.bytes(32)) }

    /// The RLP list Ethereum hashes for a London header.
    public var encoded: [UInt8] {
        var output = [UInt8]()
        RLP.encodeList(into: &output) { out in
            RLP.encode(bytes: parentHash.bytes, into: &out)
            RLP.encode(bytes: ommersHash.bytes, into: &out)
            RLP.encode(bytes: beneficiary.bytes, into: &out)
            RLP.encode(bytes: stateRoot.bytes, into: &out)
            RLP.encode(bytes: transactionsRoot.bytes, into: &out)
            RLP.encode(bytes: receiptsRoot.bytes, into: &out)
            RLP.encode(bytes: logsBloom.bytes, into: &out)
            RLP.encode(difficulty, into: &out)
            RLP.encode(number, into: &out)
            RLP.encode(gasLimit, into: &out)
            RLP.encode(gasUsed, into: &out)
            RLP.encode(timestamp, into: &out)
            RLP.encode(bytes: extraData, into: &out)
            RLP.encode(bytes: mixHash.bytes, into: &out)
            RLP.encode(bytes: withUnsafeBytes(of: nonce.bigEndian) { Array($0) }, into: &out)
            RLP.encode(baseFeePerGas, into: &out)
        }
        return output
    }

    /// keccak256 of the RLP header, as on Ethereum.
    public var hash: Hash32 { Keccak256.hash(encoded) }

    /// Decodes what `encoded` produced.
    public init(decoding reader: inout RLPReader) throws(RLPError) {
        var fields = try reader.readList()
        func hash32(_ fields: inout RLPReader) throws(RLPError) -> Hash32 {
            let bytes = try fields.readBytes()
            guard let hash = try? Hash32(bytes) else { throw .wrongItemCount(expected: 32, actual: bytes.count) }
            return hash
        }
        parentHash = try hash32(&fields)
        ommersHash = try hash32(&fields)
        let beneficiaryBytes = try fields.readBytes()
        guard let beneficiary = try? Address(beneficiaryBytes) else { throw .wrongItemCount(expected: 20, actual: beneficiaryBytes.count) }
        self.beneficiary = beneficiary
        stateRoot = try hash32(&fields)
        transactionsRoot = try hash32(&fields)
        receiptsRoot = try hash32(&fields)
        let bloom = try fields.readBytes()
        guard let logsBloom = LogsBloom(bytes: Array(bloom)) else { throw .wrongItemCount(expected: 256, actual: bloom.count) }
        self.logsBloom = logsBloom
        difficulty = try fields.readUInt64()
        number = try fields.readUInt64()
        gasLimit = try fields.readUInt64()
        gasUsed = try fields.readUInt64()
        timestamp = try fields.readUInt64()
        extraData = Array(try fields.readBytes())
        mixHash = try hash32(&fields)
        let nonceBytes = try fields.readBytes()
        guard nonceBytes.count == 8 else { throw .wrongItemCount(expected: 8, actual: nonceBytes.count) }
        nonce = nonceBytes.reduce(0) { $0 << 8 | UInt64($1) }
        baseFeePerGas = try fields.readUInt256()
        try fields.finish()
    }
}
