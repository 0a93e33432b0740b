import Primitives

/// Everything one block adds to the store, written in one storage transaction: the block,
/// its transactions and receipts, the state entries it changed, and its audit records.
///
/// Payloads are opaque bytes encoded by the node; the store encrypts every one of them and
/// indexes them only by keyed hashes, so it never needs to understand them.
public struct BlockWrite: Sendable {
    public var number: UInt64
    public var hash: Hash32
    /// The encoded block (header and transaction hashes).
    public var payload: [UInt8]
    public var transactions: [TransactionWrite]
    /// Changed ledger entries, as (encoded key, encoded value).
    public var stateEntries: [StateEntry]
    public var auditRecords: [[UInt8]]
    /// Small named values the node keeps beside the chain (e.g. batch progress), set atomically with the block.
    public var metadata: [String: [UInt8]]
    /// Admission-journal entries this block settles (its transactions'), removed with it.
    public var settledAdmissions: [Hash32]

    public init(
        number: UInt64, hash: Hash32, payload: [UInt8], transactions: [TransactionWrite], stateEntries: [StateEntry],
        auditRecords: [[UInt8]] = [], metadata: [String: [UInt8]] = [:], settledAdmissions: [Hash32] = []
    ) {
        self.number = number
        self.hash = hash
        self.payload = payload
        self.transactions = transactions
        self.stateEntries = stateEntries
        self.auditRecords = auditRecords
        self.metadata = metadata
        self.settledAdmissions = settledAdmissions
    }
}

/// One transaction of a block with its receipt, encoded by the node.
public struct TransactionWrite: Sendable {
    public var hash: Hash32
    public var payload: [UInt8]

    public init(hash: Hash32, payload: [UInt8]) {
        self.hash = hash
        self.payload = payload
    }
}

/// One ledger entry: the encoded key and its new encoded value.
public struct StateEntry: Sendable, Equatable {
    public var key: [UInt8]
    public var value: [UInt8]

    public init(key: [UInt8], value: [UInt8]) {
        self.key = key
        self.value = value
    }
}

/// One stored audit record as read back: its sequence number and its plaintext, or why it
/// could not be opened.
public struct AuditRow: Sendable {
    public var sequence: UInt64
    public var plaintext: Result<[UInt8], StoreError>

    public init(sequence: UInt64, plaintext: Result<[UInt8], StoreError>) {
        self.sequence = sequence
        self.plaintext = plaintext
    }
}

/// The newest committed block.
public struct BlockHead: Sendable, Equatable {
    public var number: UInt64
    public var hash: Hash32

    public init(number: UInt64, hash: Hash32) {
        self.number = number
        self.hash = hash
    }
}

/// A stored transaction: where it sits and its decrypted payload.
public struct StoredTransaction: Sendable, Equatable {
    public var blockNumber: UInt64
    public var position: Int
    public var payload: [UInt8]

    public init(blockNumber: UInt64, position: Int, payload: [UInt8]) {
        self.blockNumber = blockNumber
        self.position = position
        self.payload = payload
    }
}

/// The persistence seam. SQLite (`SQLiteChainStore`, module SQLiteStore) is the embedded default; a second
/// engine (PostgreSQL for scale-out) is a new conformance, not a branch in the node.
///
/// Guarantees every conformance must keep:
/// - `commit` is atomic: after a failure or crash the store is exactly at the previous block.
/// - nothing private is stored in plaintext, and no lookup key reveals what it indexes.
public protocol ChainStore: Sendable {
    /// The newest committed block, nil for an empty chain.
    func head() throws(StoreError) -> BlockHead?
    /// Appends the next block (its number must be head + 1, or 0 on an empty chain).
    func commit(_ block: BlockWrite) throws(StoreError)
    /// The encoded block at `number`.
    func block(number: UInt64) throws(StoreError) -> [UInt8]?
    /// The number of the block with this hash.
    func blockNumber(hash: Hash32) throws(StoreError) -> UInt64?
    func transaction(hash: Hash32) throws(StoreError) -> StoredTransaction?
    /// The transactions of a block in order.
    func transactions(blockNumber: UInt64) throws(StoreError) -> [StoredTransaction]
    /// At most `limit` of a block's transactions in order, from position `from` on: a list that
    /// reads a bounded number of records per request, however full the block.
    func transactions(blockNumber: UInt64, from position: Int, limit: Int) throws(StoreError) -> [StoredTransaction]
    /// Every ledger entry, to rebuild the in-memory state at start.
    func allStateEntries() throws(StoreError) -> [StateEntry]
    /// Audit records in commit order, starting at sequence number `from` (0-based).
    func auditRecords(from: UInt64, limit: Int) throws(StoreError) -> [[UInt8]]
    /// Audit rows with their sequence numbers, each opened on its own: one damaged row does not
    /// hide the others (the verifier reports exactly which record is broken).
    func auditRows(from: UInt64, limit: Int) throws(StoreError) -> [AuditRow]
    /// The newest audit row (the head of the hash chain), if any.
    func lastAuditRow() throws(StoreError) -> AuditRow?
    func metadata(_ name: String) throws(StoreError) -> [UInt8]?
    /// Appends audit records outside a block write (e.g. refusals while no block is produced).
    func appendAuditRecords(_ records: [[UInt8]], blockNumber: UInt64) throws(StoreError)
    /// Sets named values outside a block write (e.g. a batch's state root, computed later).
    func putMetadata(_ values: [String: [UInt8]]) throws(StoreError)
    /// A 32-byte secret for `purpose`, derived from the store's own key material: the same for
    /// every process that opens this chain, different on every other chain and for every
    /// other purpose. Session tokens and member block views are keyed with it.
    ///
    /// Not throwing: it is a fixed-size key derivation from key material the store already
    /// holds once it is open (`RecordCipher.secret(purpose:)`), which has no input that can fail.
    func derivedSecret(purpose: String) -> [UInt8]

    /// Journals accepted transactions (hash, raw bytes) in one storage transaction, before
    /// their hashes are answered: an accepted transaction survives a crash. Entries leave the
    /// journal with the block that includes them (`BlockWrite.settledAdmissions`) or by `dropAdmissions`.
    func journalAdmissions(_ entries: [(hash: Hash32, raw: [UInt8])]) throws(StoreError)
    /// The journaled transactions' raw bytes, in the order they were journaled.
    func admissionJournal() throws(StoreError) -> [(hash: Hash32, raw: [UInt8])]
    /// Removes journal entries (transactions that can no longer run: replayed and refused, evicted).
    func dropAdmissions(_ hashes: [Hash32]) throws(StoreError)
}
