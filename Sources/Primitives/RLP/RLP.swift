/// Recursive Length Prefix, Ethereum's serialisation.
///
/// Decoding is strict, as consensus clients are: every length uses the shortest form, a
/// single byte below 0x80 is never wrapped in a string header, lengths never run past the
/// input, and nothing may follow the top-level item. Integers must not have leading zeros.
public enum RLP {
    // MARK: - Encoding

    /// Appends the encoding of a byte string. Inlinable so each caller's collection type gets a
    /// specialised copy (generic, every byte went through a witness table).
    @inlinable
    public static func encode(bytes: some Collection<UInt8>, into output: inout [UInt8]) {
        if bytes.count == 1, let only = bytes.first, only < 0x80 {
            output.append(only)
            return
        }
        appendHeader(length: bytes.count, shortBase: 0x80, into: &output)
        output.append(contentsOf: bytes)
    }

    /// Appends the encoding of an unsigned integer (minimal big-endian, zero is the empty string).
    public static func encode(_ value: UInt64, into output: inout [UInt8]) {
        if value == 0 {
            output.append(0x80)
        } else if value < 0x80 {
            output.append(UInt8(value))
        } else {
            let byteCount = (64 - value.leadingZeroBitCount + 7) / 8
            output.append(0x80 + UInt8(byteCount))
            for i in stride(from: byteCount - 1, through: 0, by: -1) {
                output.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))))
            }
        }
    }

    /// Appends the encoding of a 256-bit unsigned integer.
    public static func encode(_ value: UInt256, into output: inout [UInt8]) {
        if let small = value.uint64 {
            encode(small, into: &output)
        } else {
            encode(bytes: value.minimalBigEndianBytes, into: &output)
        }
    }

    /// Appends a list whose items `body` writes; the header is inserted in front afterwards.
    public static func encodeList(into output: inout [UInt8], _ body: (inout [UInt8]) -> Void) {
        let start = output.count
        body(&output)
        let payloadLength = output.count - start
        // The header is at most 9 bytes: built on the stack, not in an array of its own.
        var header: (UInt64, UInt8) = (0, 0)
        let headerLength = withUnsafeMutableBytes(of: &header) { buffer in
            if payloadLength <= 55 {
                buffer[0] = 0xc0 + UInt8(payloadLength)
                return 1
            }
            let lengthBytes = (64 - UInt64(payloadLength).leadingZeroBitCount + 7) / 8
            buffer[0] = 0xc0 + 55 + UInt8(lengthBytes)
            for i in 0..<lengthBytes { buffer[1 + i] = UInt8(truncatingIfNeeded: payloadLength >> (8 * (lengthBytes - 1 - i))) }
            return 1 + lengthBytes
        }
        withUnsafeBytes(of: &header) { buffer in
            output.insert(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[..<headerLength]), at: start)
        }
    }

    /// Encodes a whole item tree.
    public static func encode(_ item: RLPItem) -> [UInt8] {
        var output = [UInt8]()
        append(item, into: &output)
        return output
    }

    static func append(_ item: RLPItem, into output: inout [UInt8]) {
        switch item {
        case .bytes(let bytes): encode(bytes: bytes, into: &output)
        case .list(let items): encodeList(into: &output) { out in for child in items { append(child, into: &out) } }
        }
    }

    /// Calls `body` with the header of a string or list of `length` payload bytes, built on the
    /// stack: hashing code uses it to avoid a heap buffer per header.
    public static func withHeader<R>(
        length: Int, shortBase: UInt8, _ body: (UnsafeRawBufferPointer) throws -> R
    ) rethrows -> R {
        var buffer: (UInt64, UInt64) = (0, 0)
        return try withUnsafeMutableBytes(of: &buffer) { raw in
            var count = 0
            if length <= 55 {
                raw[0] = shortBase + UInt8(length)
                count = 1
            } else {
                let lengthBytes = (64 - UInt64(length).leadingZeroBitCount + 7) / 8
                raw[0] = shortBase + 55 + UInt8(lengthBytes)
                for i in 0..<lengthBytes {
                    raw[1 + i] = UInt8(truncatingIfNeeded: length >> (8 * (lengthBytes - 1 - i)))
                }
                count = 1 + lengthBytes
            }
            return try body(UnsafeRawBufferPointer(rebasing: raw[0..<count]))
        }
    }

    /// The header of a string (`shortBase` 0x80) or list (`shortBase` 0xc0) of `length` payload bytes.
    @inlinable
    public static func appendHeader(length: Int, shortBase: UInt8, into output: inout [UInt8]) {
        if length <= 55 {
            output.append(shortBase + UInt8(length))
        } else {
            let lengthBytes = (64 - UInt64(length).leadingZeroBitCount + 7) / 8
            output.append(shortBase + 55 + UInt8(lengthBytes))
            for i in stride(from: lengthBytes - 1, through: 0, by: -1) {
                output.append(UInt8(truncatingIfNeeded: length >> (8 * i)))
            }
        }
    }

    // MARK: - Decoding

    /// Decodes exactly one item spanning the whole input.
    public static func decode(_ bytes: [UInt8]) throws(RLPError) -> RLPItem {
        var reader = RLPReader(bytes)
        let item = try reader.readItem()
        try reader.finish()
        return item
    }
}

/// A decoded RLP item.
public enum RLPItem: Equatable, Sendable {
    case bytes([UInt8])
    case list([RLPItem])
}

/// A strict, zero-copy cursor over RLP bytes.
///
/// Byte strings come back as slices of the input (no copy); `readList()` returns a reader
/// confined to the list's payload, and `encodedRange` lets callers hash raw field encodings
/// (the transaction signing hash) without re-encoding.
public struct RLPReader: Sendable {
    public let bytes: [UInt8]
    public private(set) var position: Int
    public let end: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.position = 0
        self.end = bytes.count
    }

    /// A reader confined to `range` of `bytes` (e.g. the RLP after a transaction's type byte).
    public init(_ bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
    }

    public var isAtEnd: Bool { position >= end }

    /// What the next item is and where its payload lies, without consuming it.
    struct Header {
        var isList: Bool
        var payload: Range<Int>
    }

    func peekHeader() throws(RLPError) -> Header {
        guard position < end else { throw .unexpectedEnd }
        let prefix = bytes[position]
        let remaining = end - position - 1
        switch prefix {
        case 0x00...0x7f:
            return Header(isList: false, payload: position..<(position + 1))
        case 0x80...0xb7, 0xc0...0xf7:
            let isList = prefix >= 0xc0
            let length = Int(prefix - (isList ? 0xc0 : 0x80))
            guard length <= remaining else { throw .lengthExceedsInput }
            if !isList && length == 1 && bytes[position + 1] < 0x80 { throw .nonCanonicalSingleByte }
            return Header(isList: isList, payload: (position + 1)..<(position + 1 + length))
        default:
            let isList = prefix >= 0xf8
            let lengthOfLength = Int(prefix - (isList ? 0xf7 : 0xb7))
            guard lengthOfLength <= remaining else { throw .lengthExceedsInput }
            guard bytes[position + 1] != 0 else { throw .leadingZeroInLength }
            guard lengthOfLength <= 8 else { throw .lengthExceedsInput }
            var length: UInt64 = 0
            for i in 0..<lengthOfLength { length = length << 8 | UInt64(bytes[position + 1 + i]) }
            guard length > 55 else { throw .nonCanonicalLength }
            guard length <= UInt64(remaining - lengthOfLength) else { throw .lengthExceedsInput }
            let start = position + 1 + lengthOfLength
            return Header(isList: isList, payload: start..<(start + Int(length)))
        }
    }

    /// Reads a byte string; a list here is an error.
    public mutating func readBytes() throws(RLPError) -> ArraySlice<UInt8> {
        let header = try peekHeader()
        guard !header.isList else { throw .expectedBytes }
        position = header.payload.upperBound
        return bytes[header.payload]
    }

    /// Reads a list and returns a reader over its items.
    public mutating func readList() throws(RLPError) -> RLPReader {
        let header = try peekHeader()
        guard header.isList else { throw .expectedList }
        position = header.payload.upperBound
        return RLPReader(bytes, range: header.payload)
    }

    /// Reads a canonical unsigned integer of at most 8 bytes.
    public mutating func readUInt64() throws(RLPError) -> UInt64 {
        let slice = try readBytes()
        guard slice.first != 0 else { throw .leadingZeroInInteger }
        guard slice.count <= 8 else { throw .integerOverflow(bits: 64) }
        var value: UInt64 = 0
        for byte in slice { value = value << 8 | UInt64(byte) }
        return value
    }

    /// Reads a canonical unsigned integer of at most 32 bytes.
    public mutating func readUInt256() throws(RLPError) -> UInt256 {
        let slice = try readBytes()
        guard slice.first != 0 else { throw .leadingZeroInInteger }
        guard slice.count <= 32 else { throw .integerOverflow(bits: 256) }
        do { return try UInt256(bigEndian: slice) } catch { throw .integerOverflow(bits: 256) }
    }

    /// Reads any item as a tree (copies the bytes out).
    public mutating func readItem() throws(RLPError) -> RLPItem {
        let header = try peekHeader()
        if header.isList {
            var inner = try readList()
            var items = [RLPItem]()
            while !inner.isAtEnd { items.append(try inner.readItem()) }
            return .list(items)
        }
        return .bytes(Array(try readBytes()))
    }

    /// Counts the items left in this reader without consuming them.
    public func itemCount() throws(RLPError) -> Int {
        var copy = self
        var count = 0
        while !copy.isAtEnd {
            copy.position = try copy.peekHeader().payload.upperBound
            count += 1
        }
        return count
    }

    /// Fails unless every byte has been consumed.
    public func finish() throws(RLPError) {
        guard position == end else { throw .trailingBytes(count: end - position) }
    }
}

/// Why RLP input was refused.
public enum RLPError: Error, Equatable, Sendable, CustomStringConvertible {
    case unexpectedEnd
    case lengthExceedsInput
    case nonCanonicalSingleByte
    case nonCanonicalLength
    case leadingZeroInLength
    case leadingZeroInInteger
    case integerOverflow(bits: Int)
    case expectedBytes
    case expectedList
    case trailingBytes(count: Int)
    case wrongItemCount(expected: Int, actual: Int)

    public var description: String {
        switch self {
        case .unexpectedEnd: return "RLP input ended where an item was expected"
        case .lengthExceedsInput: return "RLP length runs past the end of the input"
        case .nonCanonicalSingleByte: return "RLP single byte below 0x80 must be encoded as itself"
        case .nonCanonicalLength: return "RLP length below 56 must use the short form"
        case .leadingZeroInLength: return "RLP length has a leading zero byte"
        case .leadingZeroInInteger: return "RLP integer has a leading zero byte"
        case .integerOverflow(let bits): return "RLP integer does not fit in \(bits) bits"
        case .expectedBytes: return "RLP list found where a byte string was expected"
        case .expectedList: return "RLP byte string found where a list was expected"
        case .trailingBytes(let count): return "\(count) unexpected byte(s) after the RLP item"
        case .wrongItemCount(let expected, let actual): return "RLP list has \(actual) items, expected \(expected)"
        }
    }
}
