import Primitives

// The binary record format (version 1).
//
// Key:   tag ‖ addresses (20 bytes each): account/token 21 bytes, holding 41, allowance 61.
// Value: tag ‖ fields, where a number is a length byte then its minimal big-endian bytes
//        (zero is the single byte 0x00) and a flags byte carries booleans in its low bits:
//   account   0x01 ‖ nonce ‖ nativeBalance
//   holding   0x02 ‖ flags(bit 0: frozen) ‖ balance ‖ frozenAmount
//   allowance 0x03 ‖ amount
//   token     0x04 ‖ flags(bit 0: paused) ‖ totalSupply ‖ holderCount
//
// Decoding is strict so that every value has exactly one encoding (state commitments may hash
// these bytes): unknown tags, truncation, trailing bytes, over-long or zero-padded numbers and
// unknown flag bits are all refused.

extension StateKey {
    /// The record key's bytes; their byte order is the key order.
    public var encoded: [UInt8] {
        var out = [UInt8]()
        switch self {
        case .account(let address):
            out.reserveCapacity(21)
            out.append(tag)
            out.appendAddress(address)
        case .holding(let token, let holder):
            out.reserveCapacity(41)
            out.append(tag)
            out.appendAddress(token)
            out.appendAddress(holder)
        case .allowance(let token, let owner, let spender):
            out.reserveCapacity(61)
            out.append(tag)
            out.appendAddress(token)
            out.appendAddress(owner)
            out.appendAddress(spender)
        case .token(let address):
            out.reserveCapacity(21)
            out.append(tag)
            out.appendAddress(address)
        }
        return out
    }

    /// Decodes a record key, refusing anything but an exact encoding.
    public init(encoded bytes: [UInt8]) throws(LedgerError) {
        var reader = RecordReader(bytes, what: "state key")
        let tag = try reader.byte()
        switch tag {
        case StateRecordTag.account:
            self = .account(try reader.address())
        case StateRecordTag.holding:
            self = .holding(token: try reader.address(), holder: try reader.address())
        case StateRecordTag.allowance:
            self = .allowance(token: try reader.address(), owner: try reader.address(), spender: try reader.address())
        case StateRecordTag.token:
            self = .token(try reader.address())
        default:
            throw reader.unknownTag(tag)
        }
        try reader.finish()
    }
}

extension StateValue {
    /// The record value's bytes: compact, tagged, one encoding per value.
    public var encoded: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(72)
        out.append(tag)
        switch self {
        case .account(let state):
            out.appendCompact(state.nonce)
            out.appendCompact(state.nativeBalance)
        case .holding(let state):
            out.append(state.frozen ? 1 : 0)
            out.appendCompact(state.balance)
            out.appendCompact(state.frozenAmount)
        case .allowance(let amount):
            out.appendCompact(amount)
        case .token(let state):
            out.append(state.paused ? 1 : 0)
            out.appendCompact(state.totalSupply)
            out.appendCompact(state.holderCount)
        }
        return out
    }

    /// Decodes a record value, refusing anything but an exact, canonical encoding.
    public init(encoded bytes: [UInt8]) throws(LedgerError) {
        var reader = RecordReader(bytes, what: "state value")
        let tag = try reader.byte()
        switch tag {
        case StateRecordTag.account:
            let nonce = try reader.compactUInt64()
            self = .account(AccountState(nonce: nonce, nativeBalance: try reader.compactUInt256()))
        case StateRecordTag.holding:
            let frozen = try reader.flag()
            let balance = try reader.compactUInt256()
            self = .holding(HoldingState(balance: balance, frozen: frozen, frozenAmount: try reader.compactUInt256()))
        case StateRecordTag.allowance:
            self = .allowance(try reader.compactUInt256())
        case StateRecordTag.token:
            let paused = try reader.flag()
            let supply = try reader.compactUInt256()
            self = .token(TokenState(totalSupply: supply, paused: paused, holderCount: try reader.compactUInt64()))
        default:
            throw reader.unknownTag(tag)
        }
        try reader.finish()
    }
}

// MARK: - Writing

extension [UInt8] {
    mutating func appendAddress(_ address: Address) {
        address.withUnsafeBytes { append(contentsOf: $0) }
    }

    /// Length byte, then the minimal big-endian bytes.
    mutating func appendCompact(_ value: UInt64) {
        let count = (64 - value.leadingZeroBitCount + 7) / 8
        append(UInt8(count))
        for index in stride(from: count - 1, through: 0, by: -1) {
            append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))))
        }
    }

    /// Length byte, then the minimal big-endian bytes.
    mutating func appendCompact(_ value: UInt256) {
        let count = (value.bitWidth + 7) / 8
        append(UInt8(count))
        for index in stride(from: count - 1, through: 0, by: -1) {
            append(value.byte(index))
        }
    }
}

extension UInt256 {
    /// Byte `index` counted from the least significant end (0…31).
    @inline(__always)
    func byte(_ index: Int) -> UInt8 {
        let limb: UInt64
        switch index / 8 {
        case 0: limb = words.0
        case 1: limb = words.1
        case 2: limb = words.2
        default: limb = words.3
        }
        return UInt8(truncatingIfNeeded: limb >> (8 * UInt64(index % 8)))
    }
}

// MARK: - Reading

/// A strict cursor over one stored record.
struct RecordReader {
    let bytes: [UInt8]
    let what: String
    var position = 0

    init(_ bytes: [UInt8], what: String) {
        self.bytes = bytes
        self.what = what
    }

    func malformed(_ reason: String) -> LedgerError { .malformedRecord(what: what, reason: reason) }

    func unknownTag(_ tag: UInt8) -> LedgerError {
        malformed("unknown tag \(Hex.encode([tag])) (this build reads tags 0x01-0x04, format version 1)")
    }

    mutating func take(_ count: Int) throws(LedgerError) -> ArraySlice<UInt8> {
        guard bytes.count - position >= count else {
            throw malformed("truncated: needs \(position + count) bytes, has \(bytes.count)")
        }
        defer { position += count }
        return bytes[position..<position + count]
    }

    mutating func byte() throws(LedgerError) -> UInt8 { try take(1).first! }

    mutating func address() throws(LedgerError) -> Address {
        Address(exactly: try take(20))
    }

    mutating func flag() throws(LedgerError) -> Bool {
        let flags = try byte()
        guard flags <= 1 else { throw malformed("flags byte \(Hex.encode([flags])) has unknown bits set") }
        return flags == 1
    }

    /// A length byte and the minimal big-endian bytes of a number of at most `limit` bytes.
    mutating func compactBytes(limit: Int) throws(LedgerError) -> ArraySlice<UInt8> {
        let count = Int(try byte())
        guard count <= limit else { throw malformed("number of \(count) bytes exceeds \(limit)") }
        let digits = try take(count)
        guard digits.first != 0 else { throw malformed("number has a leading zero byte (not minimal)") }
        return digits
    }

    mutating func compactUInt64() throws(LedgerError) -> UInt64 {
        var value: UInt64 = 0
        for digit in try compactBytes(limit: 8) { value = value << 8 | UInt64(digit) }
        return value
    }

    mutating func compactUInt256() throws(LedgerError) -> UInt256 {
        UInt256(bigEndianWord: try compactBytes(limit: 32))
    }

    func finish() throws(LedgerError) {
        guard position == bytes.count else { throw malformed("\(bytes.count - position) trailing bytes") }
    }
}
