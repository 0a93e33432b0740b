import Ledger
import Primitives
import Transactions

/// Pending transactions, ordered by arrival, executable per sender in nonce order.
///
/// Not thread-safe: the `Chain` actor owns it.
struct Mempool {
    struct Limits {
        var total = 100_000
        var perSender = 1_024
        /// How far beyond the next nonce a transaction may wait for its predecessors.
        var maxNonceAhead: UInt64 = 1_024
    }

    let limits: Limits
    private(set) var count = 0
    /// Insertions since the pool last looked for stranded transactions (see `insert`).
    private var insertsSinceSweep = 0
    /// Each sender's pending nonces, to the transaction's hash. The transactions themselves
    /// are held once, by hash: queues and arrival checks compare hashes, and a transaction is
    /// moved, not copied, when it leaves.
    private var bySender: [Address: [UInt64: Hash32]] = [:]
    private var byHash: [Hash32: AdmittedTransaction] = [:]
    /// Where a transaction stands in arrival order (a struct: arrays of tuples pay a runtime
    /// metadata lookup on every allocation).
    struct Arrival {
        var sender: Address
        var nonce: UInt64
        var hash: Hash32
    }

    /// Arrival order; entries whose transaction left the pool are skipped lazily.
    private var arrivals: [Arrival] = []
    private var arrivalsHead = 0

    init(limits: Limits = Limits()) { self.limits = limits }

    func contains(_ hash: Hash32) -> Bool { byHash[hash] != nil }

    /// The next nonce the sender would need after its pending transactions, given its state nonce.
    func pendingNonce(for sender: Address, stateNonce: UInt64) -> UInt64 {
        guard let pending = bySender[sender] else { return stateNonce }
        var next = stateNonce
        while pending[next] != nil { next += 1 }
        return next
    }

    /// Checks nonce ordering and bounds, then queues. Returns the transactions evicted to make
    /// room for it (see below); usually none.
    ///
    /// A full pool makes room for a transaction that continues its sender's run of nonces by
    /// dropping every transaction stranded behind a nonce gap: one whose predecessor is not
    /// pending (refused, say, when the pool was full) cannot execute until its sender sends
    /// that nonce again, and a pool full of them would never produce another block. A
    /// transaction that would itself wait behind a gap is refused instead. The sweep looks at
    /// the whole pool, so it runs at most once per hundredth of the pool's size in insertions.
    @discardableResult
    mutating func insert(
        _ transaction: AdmittedTransaction, stateNonce: UInt64, stateNonceOf: (Address) -> UInt64
    ) throws(AdmissionError) -> [AdmittedTransaction] {
        guard byHash[transaction.hash] == nil else { throw .alreadyKnown }
        let nonce = transaction.nonce
        guard nonce >= stateNonce else { throw .nonceTooLow(next: stateNonce, got: nonce) }
        guard nonce - stateNonce <= limits.maxNonceAhead else {
            throw .nonceTooHigh(next: stateNonce, got: nonce, maxAhead: limits.maxNonceAhead)
        }
        // Checked in place: a copy of the sender's queue held across the insert below would
        // make the insert copy the whole queue.
        if let pending = bySender[transaction.sender] {
            guard pending[nonce] == nil else { throw .nonceAlreadyPending(nonce) }
            guard pending.count < limits.perSender else { throw .senderQueueFull(limit: limits.perSender) }
        }
        var evicted: [AdmittedTransaction] = []
        if count >= limits.total {
            guard nonce == pendingNonce(for: transaction.sender, stateNonce: stateNonce),
                insertsSinceSweep >= Swift.max(1, limits.total / 100)
            else { throw .mempoolFull(limit: limits.total) }
            insertsSinceSweep = 0
            evicted = removeStranded(stateNonce: stateNonceOf)
            guard count < limits.total else { throw .mempoolFull(limit: limits.total) }
        }
        insertsSinceSweep += 1
        // A new queue starts with room for a few: growing from one slot reallocated it at every doubling.
        bySender[transaction.sender, default: Dictionary(minimumCapacity: 8)][nonce] = transaction.hash
        byHash[transaction.hash] = transaction
        arrivals.append(Arrival(sender: transaction.sender, nonce: nonce, hash: transaction.hash))
        count += 1
        return evicted
    }

    /// Takes out every transaction that cannot execute as things stand: nonces below the
    /// sender's state nonce (already used) and nonces after the first gap in its pending run.
    private mutating func removeStranded(stateNonce: (Address) -> UInt64) -> [AdmittedTransaction] {
        var stranded: [(sender: Address, nonce: UInt64)] = []
        for (sender, queue) in bySender {
            let first = stateNonce(sender)
            var next = first
            while queue[next] != nil { next += 1 }
            guard queue.count != Int(next - first) else { continue }
            for nonce in queue.keys where nonce < first || nonce >= next { stranded.append((sender, nonce)) }
        }
        return stranded.compactMap { remove(sender: $0.sender, nonce: $0.nonce) }
    }

    /// Takes up to `limit` transactions that can execute now, in arrival order and per-sender
    /// nonce order; stale ones (nonce below the state) are dropped on the way.
    mutating func takeExecutable(limit: Int, gasLimit: UInt64, stateNonce: (Address) -> UInt64) -> [AdmittedTransaction] {
        var selected = [AdmittedTransaction]()
        var nextNonce = [Address: UInt64]()
        var gas: UInt64 = 0
        var progress = true
        while progress && selected.count < limit {
            progress = false
            var index = arrivalsHead
            while index < arrivals.count && selected.count < limit {
                let entry = arrivals[index]
                index += 1
                guard bySender[entry.sender]?[entry.nonce] == entry.hash else { continue }
                let expected = nextNonce[entry.sender] ?? stateNonce(entry.sender)
                if entry.nonce < expected {
                    remove(sender: entry.sender, nonce: entry.nonce)
                    continue
                }
                guard entry.nonce == expected, let cost = byHash[entry.hash]?.operation.gasCost else { continue }
                guard gas + cost <= gasLimit else { break }
                gas += cost
                guard let transaction = remove(sender: entry.sender, nonce: entry.nonce) else { continue }
                selected.append(transaction)
                nextNonce[entry.sender] = expected + 1
                progress = true
            }
        }
        compactArrivals()
        return selected
    }

    /// Puts transactions back (a block that failed to persist), keeping them first in line.
    mutating func restore(_ transactions: [AdmittedTransaction]) {
        var restored = [Arrival]()
        for transaction in transactions where byHash[transaction.hash] == nil {
            bySender[transaction.sender, default: [:]][transaction.nonce] = transaction.hash
            byHash[transaction.hash] = transaction
            restored.append(Arrival(sender: transaction.sender, nonce: transaction.nonce, hash: transaction.hash))
            count += 1
        }
        arrivals = restored + arrivals[arrivalsHead...]
        arrivalsHead = 0
    }

    /// Takes back transactions that are still waiting (their acceptance could not be journaled);
    /// returns the hashes it removed (the others were already taken into a block).
    mutating func withdraw(_ hashes: [Hash32]) -> Set<Hash32> {
        var removed = Set<Hash32>()
        for hash in hashes {
            guard let transaction = byHash[hash], remove(sender: transaction.sender, nonce: transaction.nonce) != nil else { continue }
            removed.insert(hash)
        }
        compactArrivals()
        return removed
    }

    /// Takes a transaction out of the pool and returns it.
    @discardableResult
    private mutating func remove(sender: Address, nonce: UInt64) -> AdmittedTransaction? {
        guard let hash = bySender[sender]?.removeValue(forKey: nonce) else { return nil }
        if bySender[sender]?.isEmpty == true { bySender[sender] = nil }
        count -= 1
        return byHash.removeValue(forKey: hash)
    }

    /// Drops consumed entries from the front of the arrival list.
    private mutating func compactArrivals() {
        while arrivalsHead < arrivals.count {
            let entry = arrivals[arrivalsHead]
            if bySender[entry.sender]?[entry.nonce] == entry.hash { break }
            arrivalsHead += 1
        }
        if arrivalsHead > 4_096 && arrivalsHead * 2 > arrivals.count {
            arrivals.removeFirst(arrivalsHead)
            arrivalsHead = 0
        }
        if count == 0 {
            arrivals.removeAll(keepingCapacity: true)
            arrivalsHead = 0
        }
    }
}
