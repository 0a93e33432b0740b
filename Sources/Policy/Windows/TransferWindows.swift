import ConfigFiles
import Ledger
import Primitives

/// The time slots rolling windows are counted in, coarser for longer windows so that state stays
/// small: a window is summed over the slots of the finest level that reaches back far enough.
///
/// | level | slot | serves periods up to | a transfer stops counting at most … late |
/// |---|---|---|---|
/// | 0 | 1 min | 2 h | 1 min |
/// | 1 | 10 min | 2 d | 10 min |
/// | 2 | 1 h | 8 d | 1 h |
/// | 3 | 1 d | 400 d | 1 d |
///
/// Counting is conservative: a slot counts while any part of it is inside the window, so a
/// limit is never exceeded over the exact window; usage drops out up to one slot late.
enum WindowLevel {
    static let count = 4
    static let slotSeconds: [UInt64] = [60, 600, 3_600, 86_400]
    static let reachSeconds: [UInt64] = [7_200, 172_800, 691_200, 34_560_000]

    /// The level whose slots a window of `period` seconds is summed over.
    @inline(__always)
    static func serving(_ period: UInt64) -> Int {
        if period <= 7_200 { return 0 }
        if period <= 172_800 { return 1 }
        if period <= 691_200 { return 2 }
        return 3
    }
}

/// Rolling-window transfer usage per (sender, asset), persisted by the node in its encrypted state.
///
/// Only (sender, asset) pairs that a `transfer_limit` applies to are tracked, and only for as long
/// as the current policy's windows on that asset reach back; a limit added or lengthened by a
/// reload counts usage from what was kept. "Sender" is the party whose balance decreases: the
/// `from` of a `transferFrom`.
public struct TransferWindows: Sendable, Equatable {
    /// The key prefix byte of every encoded key (so the node can tell these rows from ledger rows).
    public static let keyTag: UInt8 = 0x50
    /// The first byte of every encoded value: the format version.
    static let valueVersion: UInt8 = 0x01
    static let keyLength = 41

    struct Key: Hashable, Sendable, Comparable {
        var sender: Address
        var asset: Address

        static func < (a: Key, b: Key) -> Bool { a.sender != b.sender ? a.sender < b.sender : a.asset < b.asset }
    }

    struct Slot: Equatable, Sendable {
        /// `timestamp / slotSeconds[level]`.
        var index: UInt64
        var amount: UInt256
    }

    /// Per level, slots in ascending index order, none with a zero amount.
    struct Usage: Equatable, Sendable {
        var levels: [[Slot]] = Array(repeating: [], count: WindowLevel.count)
        var isEmpty: Bool { levels.allSatisfy(\.isEmpty) }
    }

    var usage: [Key: Usage] = [:]
    var changed: Set<Key> = []

    public init() {}

    /// Two values are equal when they count the same usage; what is pending persistence does not matter.
    public static func == (a: TransferWindows, b: TransferWindows) -> Bool { a.usage == b.usage }

    // MARK: - Recording

    /// Records a successful transfer (called by the sequencer after execution succeeded).
    ///
    /// Does nothing when no transfer limit applies to the asset, or for a zero amount. Slots
    /// older than the asset's longest window are dropped as the sender's entry is written.
    public mutating func record(
        sender: Address, asset: Address, amount: UInt256, at timestamp: UInt64, policy: CompiledPolicy
    ) {
        guard !amount.isZero, let assetIndex = policy.tables.assetIndex[asset] else { return }
        let plan = policy.tables.windowPlans[assetIndex]
        guard plan.isActive else { return }
        let key = Key(sender: sender, asset: asset)
        // Taken out of the dictionary so its slot arrays are uniquely referenced and change in place.
        var entry = usage.removeValue(forKey: key) ?? Usage()
        for level in 0..<WindowLevel.count {
            guard plan.retention[level] > 0 else {
                entry.levels[level].removeAll()
                continue
            }
            Self.add(amount, at: timestamp / WindowLevel.slotSeconds[level], to: &entry.levels[level])
            Self.prune(&entry.levels[level], level: level, keep: plan.retention[level], at: timestamp)
        }
        if !entry.isEmpty { usage[key] = entry }
        changed.insert(key)
    }

    /// Records the usage a successful operation adds, if it is a transfer: `transfer`,
    /// `transferFrom` (counted for `from`) or `nativeTransfer`.
    public mutating func record(
        _ operation: Ledger.Operation, sender: Address, at timestamp: UInt64, policy: CompiledPolicy
    ) {
        switch operation {
        case .transfer(let token, _, let amount):
            record(sender: sender, asset: token, amount: amount, at: timestamp, policy: policy)
        case .transferFrom(let token, let from, _, let amount):
            record(sender: from, asset: token, amount: amount, at: timestamp, policy: policy)
        case .nativeTransfer(_, let amount):
            record(sender: sender, asset: .zero, amount: amount, at: timestamp, policy: policy)
        default: break
        }
    }

    /// Drops every slot that no window of `policy` can count any more at `timestamp`, and every
    /// pair no limit applies to. The node may call it now and then to keep the state small; the
    /// dropped entries show up in `takeChanges()`.
    public mutating func prune(at timestamp: UInt64, policy: CompiledPolicy) {
        for key in usage.keys.sorted() {
            var entry = usage[key]!
            let plan = policy.tables.assetIndex[key.asset].map { policy.tables.windowPlans[$0] }
            for level in 0..<WindowLevel.count {
                let keep = plan?.retention[level] ?? 0
                if keep == 0 {
                    entry.levels[level].removeAll()
                } else {
                    Self.prune(&entry.levels[level], level: level, keep: keep, at: timestamp)
                }
            }
            guard entry != usage[key]! else { continue }
            usage[key] = entry.isEmpty ? nil : entry
            changed.insert(key)
        }
    }

    static func add(_ amount: UInt256, at index: UInt64, to slots: inout [Slot]) {
        if let last = slots.indices.last, slots[last].index == index {
            slots[last].amount = slots[last].amount.checkedAdding(amount) ?? .max
            return
        }
        if slots.last.map({ $0.index < index }) ?? true {
            slots.append(Slot(index: index, amount: amount))
            return
        }
        // An earlier timestamp than the newest slot (not expected from a sequencer): keep the order.
        let position = slots.firstIndex { $0.index >= index }!
        if slots[position].index == index {
            slots[position].amount = slots[position].amount.checkedAdding(amount) ?? .max
        } else {
            slots.insert(Slot(index: index, amount: amount), at: position)
        }
    }

    static func prune(_ slots: inout [Slot], level: Int, keep: UInt64, at timestamp: UInt64) {
        let width = WindowLevel.slotSeconds[level]
        let cutoff = timestamp > keep ? timestamp - keep : 0
        let expired = slots.prefix { ($0.index &+ 1) &* width <= cutoff }.count
        if expired > 0 { slots.removeFirst(expired) }
    }

    // MARK: - Reading

    /// The amount `sender` sent of `asset` within the `period` seconds before `timestamp`
    /// (conservatively, at the granularity of `WindowLevel`).
    public func sent(by sender: Address, asset: Address, within period: UInt64, at timestamp: UInt64) -> UInt256 {
        guard let entry = usage[Key(sender: sender, asset: asset)] else { return .zero }
        return Self.sum(entry, period: period, at: timestamp)
    }

    @inline(__always)
    static func sum(_ entry: Usage, period: UInt64, at timestamp: UInt64) -> UInt256 {
        let level = WindowLevel.serving(period)
        let width = WindowLevel.slotSeconds[level]
        let cutoff = timestamp > period ? timestamp - period : 0
        var total = UInt256.zero
        let slots = entry.levels[level]
        var position = slots.count
        while position > 0 {
            position -= 1
            let slot = slots[position]
            if (slot.index &+ 1) &* width <= cutoff { break }
            total = total.checkedAdding(slot.amount) ?? .max
        }
        return total
    }

    // MARK: - Persistence

    /// Entries changed since the last call, for persistence: (encoded key, encoded value). Deterministic order.
    ///
    /// Sorted by sender, then asset. A value with no slots means the pair no longer counts
    /// anything; the store may delete that row.
    public mutating func takeChanges() -> [(key: [UInt8], value: [UInt8])] {
        let keys = changed.sorted()
        changed.removeAll(keepingCapacity: true)
        return keys.map { (Self.encode($0), Self.encode(usage[$0] ?? Usage())) }
    }

    /// Whether anything changed since the last `takeChanges()`.
    public var hasChanges: Bool { !changed.isEmpty }

    /// Every entry, encoded, in key order: a full dump.
    public func entries() -> [(key: [UInt8], value: [UInt8])] {
        usage.keys.sorted().map { (Self.encode($0), Self.encode(usage[$0]!)) }
    }

    /// Rebuilds from persisted entries (does not mark dirty). Throws PolicyError on malformed bytes.
    public mutating func load(key: [UInt8], value: [UInt8]) throws(PolicyError) {
        let decodedKey = try Self.decodeKey(key)
        let entry = try Self.decodeValue(value)
        usage[decodedKey] = entry.isEmpty ? nil : entry
    }

    static func encode(_ key: Key) -> [UInt8] {
        var bytes = [keyTag]
        bytes.reserveCapacity(keyLength)
        key.sender.withUnsafeBytes { bytes += $0 }
        key.asset.withUnsafeBytes { bytes += $0 }
        return bytes
    }

    /// Version byte; per level a 16-bit count, then per slot its 64-bit index and its amount as a
    /// length byte and minimal big-endian bytes (all big-endian).
    static func encode(_ entry: Usage) -> [UInt8] {
        var bytes = [valueVersion]
        for slots in entry.levels {
            bytes += [UInt8(slots.count >> 8), UInt8(slots.count & 0xff)]
            for slot in slots {
                for shift in stride(from: 56, through: 0, by: -8) {
                    bytes.append(UInt8(truncatingIfNeeded: slot.index >> UInt64(shift)))
                }
                let amount = slot.amount.minimalBigEndianBytes
                bytes.append(UInt8(amount.count))
                bytes += amount
            }
        }
        return bytes
    }

    static func malformed(_ problem: String) -> PolicyError {
        PolicyError(ConfigError(file: "transfer-window state", key: nil, problem: problem))
    }

    static func decodeKey(_ bytes: [UInt8]) throws(PolicyError) -> Key {
        guard bytes.count == keyLength, bytes[0] == keyTag else {
            throw malformed(
                "a key must be \(keyLength) bytes starting with 0x50, got \(bytes.count) bytes"
                    + (bytes.first.map { " starting with 0x" + String($0, radix: 16) } ?? ""))
        }
        do {
            return Key(sender: try Address(bytes[1..<21]), asset: try Address(bytes[21..<41]))
        } catch {
            throw malformed("a key holds invalid addresses: \(error)")
        }
    }

    static func decodeValue(_ bytes: [UInt8]) throws(PolicyError) -> Usage {
        var position = 0
        func take(_ count: Int) throws(PolicyError) -> ArraySlice<UInt8> {
            guard bytes.count - position >= count else { throw malformed("a value ends early at byte \(position)") }
            defer { position += count }
            return bytes[position..<position + count]
        }
        guard try take(1).first == valueVersion else {
            throw malformed("a value has format version \(bytes.first ?? 0), expected \(valueVersion)")
        }
        var entry = Usage()
        for level in 0..<WindowLevel.count {
            let countBytes = try take(2)
            let count = Int(countBytes.first!) << 8 | Int(countBytes.last!)
            let limit = Int(WindowLevel.reachSeconds[level] / WindowLevel.slotSeconds[level]) + 1
            guard count <= limit else {
                throw malformed("level \(level) holds \(count) slots, at most \(limit) fit its reach")
            }
            var slots: [Slot] = []
            slots.reserveCapacity(count)
            for _ in 0..<count {
                let index = try take(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                let length = Int(try take(1).first!)
                guard (1...32).contains(length) else {
                    throw malformed("a slot amount of \(length) bytes (1 to 32 allowed)")
                }
                let amountBytes = try take(length)
                guard amountBytes.first != 0 else { throw malformed("a slot amount is not minimally encoded") }
                let amount: UInt256
                do { amount = try UInt256(bigEndian: amountBytes) } catch { throw malformed("a slot amount: \(error)") }
                if let previous = slots.last, previous.index >= index {
                    throw malformed("level \(level) slots are not in ascending order")
                }
                slots.append(Slot(index: index, amount: amount))
            }
            entry.levels[level] = slots
        }
        guard position == bytes.count else { throw malformed("a value has \(bytes.count - position) trailing bytes") }
        return entry
    }
}
