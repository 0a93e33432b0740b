import Ledger
import Node
import Primitives
import Locking
import Transactions
import Sequencer

/// The chain as one caller sees it: every answer of the member API is computed from here.
///
/// The rule (docs/PRIVACY.md): what a member is told is a function of its own data and of what
/// is public by design (block numbers and timestamps, token metadata and supply, the policy's
/// public parts, the L1's public data). So a member never gets the real block: it gets its
/// *view* of it, built from the transactions it may see — roots, bloom, gas used, size,
/// transaction and log indices and cumulative gas all count only those — and a view hash that
/// is a hiding commitment to that view (a secret salt per member and block is hashed in and
/// never shown). `read_all` callers (auditors) see the real blocks and hashes.
struct MemberView: Sendable {
    let chain: Chain
    let caller: CallerIdentity
    let tokens: [Address: TokenDefinition]
    let key: [UInt8]
    let cache: BlockViewCache
    /// Identifies this caller's view in the cache (name and addresses: a policy reload that
    /// changes a member's addresses changes what it sees).
    let viewer: String

    init(chain: Chain, caller: CallerIdentity, tokens: [Address: TokenDefinition], key: [UInt8], cache: BlockViewCache) {
        self.chain = chain
        self.caller = caller
        self.tokens = tokens
        self.key = key
        self.cache = cache
        viewer = caller.name + "\u{0}" + caller.addresses.map(\.hex).sorted().joined(separator: ",")
    }

    /// The addresses whose data the caller may see; nil for auditors (everything).
    var visibleAddresses: Set<Address>? { caller.readAll ? nil : caller.addresses }

    // MARK: - Transactions

    /// A transaction as the caller sees it: where it sits among the transactions of its block
    /// the caller may see, and which of its logs it may see.
    struct SeenTransaction: Sendable {
        var included: IncludedTransaction
        /// Indices into the receipt's logs the caller may see.
        var logs: [Int]
        /// Position among the block's transactions the caller sees.
        var index: Int
        var cumulativeGasUsed: UInt64
        /// Index of its first visible log among the block's visible logs.
        var firstLogIndex: Int
        /// The block's hash as the caller sees it.
        var blockHash: Hash32
        /// The sender or an auditor: sees the nonce, the signature and a failure's reason.
        var isOwn: Bool
    }

    /// The parties a transaction involves, from its sender and its decoded operation.
    func parties(of included: IncludedTransaction) -> Set<Address> {
        var parties: Set<Address> = [included.sender]
        let transaction = included.signed.transaction
        if let to = transaction.to, tokens[to] == nil { parties.insert(to) }
        guard let operation = try? OperationDecoder.operation(for: transaction, tokens: tokens) else { return parties }
        switch operation {
        case .nativeTransfer(let to, _), .transfer(_, let to, _), .mint(_, let to, _): parties.insert(to)
        case .transferFrom(_, let from, let to, _), .forcedTransfer(_, let from, let to, _): parties.formUnion([from, to])
        case .approve(_, let spender, _): parties.insert(spender)
        case .burnFrom(_, let from, _): parties.insert(from)
        case .setAddressFrozen(_, let account, _), .freezePartialTokens(_, let account, _), .unfreezePartialTokens(_, let account, _):
            parties.insert(account)
        case .burn, .pause, .unpause, .withdraw: break
        }
        return parties
    }

    /// Which logs of a transaction the caller may see, or nil if it may not see the
    /// transaction: the sender and auditors see all logs; another party sees the logs that
    /// name it in a topic.
    func visibleLogs(of included: IncludedTransaction) -> [Int]? {
        let allLogs = Array(included.receipt.logs.indices)
        if caller.readAll || caller.addresses.contains(included.sender) { return allLogs }
        let named = allLogs.filter { index in
            included.receipt.logs[index].topics.contains { topic in
                topic.bytes[0..<12].allSatisfy { $0 == 0 } && caller.addresses.contains(Address(lastTwentyBytesOf: topic))
            }
        }
        guard !named.isEmpty || !parties(of: included).isDisjoint(with: caller.addresses) else { return nil }
        return named
    }

    /// A transaction by hash, if the caller may see it.
    func transaction(hash: Hash32) async throws -> SeenTransaction? {
        guard let included = try chain.transaction(hash: hash), let logs = visibleLogs(of: included) else { return nil }
        if caller.readAll { return Self.real(included, logs: logs) }
        let summary = try await self.summary(of: included.blockNumber)
        guard let placement = summary.placements[included.position] else { return nil }
        return seen(included, logs: logs, placement: placement, blockHash: summary.hash)
    }

    static func real(_ included: IncludedTransaction, logs: [Int]) -> SeenTransaction {
        SeenTransaction(
            included: included, logs: logs, index: included.position, cumulativeGasUsed: included.cumulativeGasUsed,
            firstLogIndex: included.firstLogIndex, blockHash: included.blockHash, isOwn: true)
    }

    func seen(_ included: IncludedTransaction, logs: [Int], placement: Placement, blockHash: Hash32) -> SeenTransaction {
        SeenTransaction(
            included: included, logs: logs, index: placement.index, cumulativeGasUsed: placement.cumulativeGasUsed,
            firstLogIndex: placement.firstLogIndex, blockHash: blockHash,
            isOwn: caller.readAll || caller.addresses.contains(included.sender))
    }

    // MARK: - Blocks

    /// A block as the caller sees it.
    struct SeenBlock: Sendable {
        /// The header shown: for a member its view (secret salt withheld, `mixHash` zero).
        var header: BlockHeader
        var hash: Hash32
        var transactions: [SeenTransaction]
        /// Bytes of rlp([header, [transaction hashes]]) as shown.
        var size: Int
    }

    /// Where one visible transaction sits in the caller's view of its block.
    struct Placement: Sendable {
        var index: Int
        var cumulativeGasUsed: UInt64
        var firstLogIndex: Int
    }

    /// The caller's view hash of a block and the placements of the transactions it sees (by
    /// their real position): enough to answer for a transaction without loading its block again.
    struct Summary: Sendable {
        var hash: Hash32
        var placements: [Int: Placement]
    }

    /// The caller's view of block `number`, nil above the head.
    func block(number: UInt64) async throws -> SeenBlock? {
        guard let block = try chain.block(number: number) else { return nil }
        let included = block.transactionHashes.isEmpty ? [] : try chain.transactions(blockNumber: number)
        if caller.readAll {
            return SeenBlock(
                header: block.header, hash: block.hash, transactions: included.map { Self.real($0, logs: Array($0.receipt.logs.indices)) },
                size: block.encoded.count)
        }
        var (header, seen) = view(of: block, included: included)
        let hash = viewHash(of: header)
        cache.store(Summary(hash: hash, placements: placements(seen, in: included)), viewer: viewer, number: number)
        for index in seen.indices { seen[index].blockHash = hash }
        header.mixHash = .zero
        header.parentHash = number == 0 ? .zero : try await summary(of: number - 1).hash
        let size = SequencedBlock(header: header, transactionHashes: seen.map(\.included.hash)).encoded.count
        return SeenBlock(header: header, hash: hash, transactions: seen, size: size)
    }

    /// The block number a hash names for this caller: a real hash for auditors, a view hash
    /// (which carries its block number in its first 8 bytes) for members.
    func blockNumber(hash: Hash32) async throws -> UInt64? {
        if caller.readAll { return try chain.blockNumber(hash: hash) }
        let number = hash.bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard number <= (await chain.head.header.number), try await summary(of: number).hash == hash else { return nil }
        return number
    }

    /// The cached summary of the caller's view of block `number`, computed on a miss.
    func summary(of number: UInt64) async throws -> Summary {
        if let cached = cache.summary(viewer: viewer, number: number) { return cached }
        guard let block = try chain.block(number: number) else { throw RPCError.internalError("block \(number) is missing") }
        let included = block.transactionHashes.isEmpty ? [] : try chain.transactions(blockNumber: number)
        let (header, seen) = view(of: block, included: included)
        let summary = Summary(hash: viewHash(of: header), placements: placements(seen, in: included))
        cache.store(summary, viewer: viewer, number: number)
        return summary
    }

    func placements(_ seen: [SeenTransaction], in included: [IncludedTransaction]) -> [Int: Placement] {
        var placements = [Int: Placement](minimumCapacity: seen.count)
        for transaction in seen {
            placements[transaction.included.position] = Placement(
                index: transaction.index, cumulativeGasUsed: transaction.cumulativeGasUsed, firstLogIndex: transaction.firstLogIndex)
        }
        return placements
    }

    /// The member's view of a block: the header over the transactions it sees (with the secret
    /// salt in `mixHash` and no parent link, as hashed) and those transactions, placed.
    func view(of block: SequencedBlock, included: [IncludedTransaction]) -> (BlockHeader, [SeenTransaction]) {
        var seen = [SeenTransaction]()
        var cumulative: UInt64 = 0
        var logIndex = 0
        var bloom = LogsBloom()
        var receiptHashes = [Hash32]()
        for transaction in included {
            guard let logs = visibleLogs(of: transaction) else { continue }
            cumulative += transaction.receipt.gasUsed
            let placement = Placement(index: seen.count, cumulativeGasUsed: cumulative, firstLogIndex: logIndex)
            let visible = logs.map { transaction.receipt.logs[$0] }
            for log in visible {
                bloom.insert(log.address)
                for topic in log.topics { bloom.insert(topic) }
            }
            receiptHashes.append(
                IncludedTransaction.receiptHash(succeeded: transaction.receipt.succeeded, cumulativeGasUsed: cumulative, logs: visible))
            seen.append(self.seen(transaction, logs: logs, placement: placement, blockHash: .zero))
            logIndex += logs.count
        }
        let real = block.header
        var header = BlockHeader(
            parentHash: .zero, beneficiary: .zero, stateRoot: .zero, transactionsRoot: KeccakMerkle.root(seen.map(\.included.hash)),
            receiptsRoot: KeccakMerkle.root(receiptHashes), logsBloom: bloom, number: real.number, gasLimit: real.gasLimit,
            gasUsed: cumulative, timestamp: real.timestamp, extraData: real.extraData, baseFeePerGas: real.baseFeePerGas)
        header.mixHash = salt(block: real.number)
        return (header, seen)
    }

    /// The secret salt of this member's view of a block: keyed by the chain's block-view
    /// secret, so nobody without it can recompute a view hash from guessed contents.
    func salt(block number: UInt64) -> Hash32 {
        var message = Array("cloister/block-view/v1".utf8)
        message.append(0)
        message += caller.name.utf8
        message.append(0)
        withUnsafeBytes(of: number.bigEndian) { message += $0 }
        return HMACSHA256.authenticationCode(key: key, message: message)
    }

    /// The view hash: the block number (8 bytes, so a hash finds its block without an index)
    /// then the last 24 bytes of keccak256(rlp(salted view header)).
    func viewHash(of salted: BlockHeader) -> Hash32 {
        var bytes = withUnsafeBytes(of: salted.number.bigEndian) { Array($0) }
        bytes += salted.hash.bytes[8..<32]
        return Hash32(exactly: bytes)
    }
}

/// Summaries of members' block views (hash and placements), so a receipt or a parent hash
/// does not load a whole block again. Blocks never change, so entries never go stale; the
/// cache is emptied when it grows past its bound.
final class BlockViewCache: Sendable {
    private struct Key: Hashable {
        var viewer: String
        var number: UInt64
    }

    private let entries = Locked<[Key: MemberView.Summary]>([:])
    let capacity: Int

    init(capacity: Int = 16_384) { self.capacity = capacity }

    func summary(viewer: String, number: UInt64) -> MemberView.Summary? {
        entries.withLock { $0[Key(viewer: viewer, number: number)] }
    }

    func store(_ summary: MemberView.Summary, viewer: String, number: UInt64) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[Key(viewer: viewer, number: number)] = summary
        }
    }
}
