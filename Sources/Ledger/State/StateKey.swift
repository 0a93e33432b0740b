import Primitives

/// The address of one record of ledger state: what the store keys its rows by.
///
/// Keys order by their encoding's bytes (kind first, then addresses), which is the
/// deterministic order `LedgerState.takeChanges()` and `entries()` use.
public enum StateKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    case account(Address)
    case holding(token: Address, holder: Address)
    case allowance(token: Address, owner: Address, spender: Address)
    case token(Address)

    /// The leading byte of the key's and its value's encoding: kind and format version in one.
    public var tag: UInt8 {
        switch self {
        case .account: return StateRecordTag.account
        case .holding: return StateRecordTag.holding
        case .allowance: return StateRecordTag.allowance
        case .token: return StateRecordTag.token
        }
    }

    public var kind: String { StateRecordTag.name(tag) }

    public static func < (a: StateKey, b: StateKey) -> Bool {
        switch (a, b) {
        case (.account(let x), .account(let y)), (.token(let x), .token(let y)):
            return x < y
        case (.holding(let t1, let h1), .holding(let t2, let h2)):
            return t1 != t2 ? t1 < t2 : h1 < h2
        case (.allowance(let t1, let o1, let s1), .allowance(let t2, let o2, let s2)):
            if t1 != t2 { return t1 < t2 }
            return o1 != o2 ? o1 < o2 : s1 < s2
        default:
            return a.tag < b.tag
        }
    }

    public var description: String {
        switch self {
        case .account(let address): return "account(\(address))"
        case .holding(let token, let holder): return "holding(token: \(token), holder: \(holder))"
        case .allowance(let token, let owner, let spender):
            return "allowance(token: \(token), owner: \(owner), spender: \(spender))"
        case .token(let address): return "token(\(address))"
        }
    }
}

/// The value of one record of ledger state; its case always matches its key's.
public enum StateValue: Equatable, Sendable {
    case account(AccountState)
    case holding(HoldingState)
    case allowance(UInt256)
    case token(TokenState)

    /// The same tag as the matching `StateKey`, so a stored pair can be checked for agreement.
    public var tag: UInt8 {
        switch self {
        case .account: return StateRecordTag.account
        case .holding: return StateRecordTag.holding
        case .allowance: return StateRecordTag.allowance
        case .token: return StateRecordTag.token
        }
    }

    public var kind: String { StateRecordTag.name(tag) }

    /// True for the value an absent record has; the store may delete such rows instead of storing them.
    public var isZero: Bool {
        switch self {
        case .account(let state): return state.isZero
        case .holding(let state): return state.isZero
        case .allowance(let amount): return amount.isZero
        case .token(let state): return state.isZero
        }
    }
}

/// One record's final value after a batch of operations: what the store writes.
public struct StateChange: Equatable, Sendable {
    public var key: StateKey
    public var value: StateValue

    public init(key: StateKey, value: StateValue) {
        self.key = key
        self.value = value
    }

    /// Decodes a stored row, refusing a key and value of different kinds.
    public init(encodedKey: [UInt8], encodedValue: [UInt8]) throws(LedgerError) {
        let key = try StateKey(encoded: encodedKey)
        let value = try StateValue(encoded: encodedValue)
        guard key.tag == value.tag else { throw .mismatchedRecord(key: key.kind, value: value.kind) }
        self.init(key: key, value: value)
    }

    /// Whether key and value are of the same kind (always true for changes the ledger produces).
    public var isConsistent: Bool { key.tag == value.tag }
}

/// Tags of the binary record format, version 1. A future layout of a kind takes a new tag,
/// so old and new rows can live side by side and a decoder never misreads one as the other.
enum StateRecordTag {
    static let account: UInt8 = 0x01
    static let holding: UInt8 = 0x02
    static let allowance: UInt8 = 0x03
    static let token: UInt8 = 0x04

    static func name(_ tag: UInt8) -> String {
        switch tag {
        case account: return "account"
        case holding: return "holding"
        case allowance: return "allowance"
        case token: return "token"
        default: return "unknown"
        }
    }
}
