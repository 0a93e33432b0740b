/// Hexadecimal under the Ethereum JSON-RPC rules.
///
/// DATA is `0x` followed by an even number of digits (`0x` alone is empty data);
/// QUANTITY is `0x` followed by the shortest digits of the number (`0x0` for zero,
/// never `0x` nor a leading zero). Both accept upper and lower case on input and
/// print lower case.
public enum Hex {
    /// Decodes DATA: `0x`-prefixed, an even number of hex digits.
    /// Inlinable so callers specialise it: a generic walk over `utf8` costs a witness call per digit.
    @inlinable
    public static func decodeData(_ text: some StringProtocol) throws(HexError) -> [UInt8] {
        // Native strings (what JSON parsing produces) decode straight from their bytes.
        if let decoded = text.utf8.withContiguousStorageIfAvailable(decodeData(utf8:)) { return try decoded.get() }
        let utf8 = text.utf8
        guard utf8.count >= 2, utf8.first == UInt8(ascii: "0"),
            utf8[utf8.index(after: utf8.startIndex)] | 0x20 == UInt8(ascii: "x")
        else { throw .missingPrefix }
        let digitCount = utf8.count - 2
        guard digitCount % 2 == 0 else { throw .oddLength }
        var output = [UInt8]()
        output.reserveCapacity(digitCount / 2)
        var high: UInt8 = 0
        var isHigh = true
        for (position, character) in utf8.dropFirst(2).enumerated() {
            guard let nibble = nibble(character) else { throw .invalidDigit(position: position + 2) }
            if isHigh { high = nibble } else { output.append(high << 4 | nibble) }
            isHigh.toggle()
        }
        return output
    }

    /// `decodeData` over contiguous UTF-8: two digits per output byte, no per-digit calls.
    @usableFromInline
    static func decodeData(utf8: UnsafeBufferPointer<UInt8>) -> Result<[UInt8], HexError> {
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "0"), utf8[1] | 0x20 == UInt8(ascii: "x") else {
            return .failure(.missingPrefix)
        }
        let digitCount = utf8.count - 2
        guard digitCount % 2 == 0 else { return .failure(.oddLength) }
        var failure: HexError?
        let output = [UInt8](unsafeUninitializedCapacity: digitCount / 2) { bytes, initialized in
            var index = 0
            while index < digitCount / 2 {
                let position = 2 + 2 * index
                guard let high = nibble(utf8[position]) else {
                    failure = .invalidDigit(position: position)
                    break
                }
                guard let low = nibble(utf8[position + 1]) else {
                    failure = .invalidDigit(position: position + 1)
                    break
                }
                bytes[index] = high << 4 | low
                index += 1
            }
            initialized = index
        }
        if let failure { return .failure(failure) }
        return .success(output)
    }

    /// Decodes DATA that must be exactly `count` bytes long.
    @inlinable
    public static func decodeData(_ text: some StringProtocol, count: Int) throws(HexError) -> [UInt8] {
        let bytes = try decodeData(text)
        guard bytes.count == count else { throw .wrongLength(expected: count, actual: bytes.count) }
        return bytes
    }

    /// Decodes a QUANTITY digit string into big-endian digits checked for canonical form.
    /// Returns the digits after `0x` (at least one, no leading zero unless the value is zero).
    static func quantityDigits(_ text: some StringProtocol) throws(HexError) -> Substring.UTF8View {
        let string = Substring(text)
        let utf8 = string.utf8
        guard utf8.count >= 2, utf8.first == UInt8(ascii: "0"),
            utf8[utf8.index(after: utf8.startIndex)] | 0x20 == UInt8(ascii: "x")
        else { throw .missingPrefix }
        let digits = utf8.dropFirst(2)
        guard let first = digits.first else { throw .emptyQuantity }
        if first == UInt8(ascii: "0") && digits.count > 1 { throw .leadingZero }
        for (position, character) in digits.enumerated() where nibble(character) == nil {
            throw .invalidDigit(position: position + 2)
        }
        return digits
    }

    /// Decodes a QUANTITY that fits in 64 bits.
    public static func decodeQuantity(_ text: some StringProtocol) throws(HexError) -> UInt64 {
        let digits = try quantityDigits(text)
        guard digits.count <= 16 else { throw .overflow }
        var value: UInt64 = 0
        for character in digits { value = value << 4 | UInt64(nibble(character)!) }
        return value
    }

    /// Encodes DATA: `0x` and two lower-case digits per byte.
    @inlinable
    public static func encode(_ bytes: some Sequence<UInt8>, prefix: Bool = true) -> String {
        var utf8 = [UInt8]()
        utf8.reserveCapacity(bytes.underestimatedCount * 2 + 2)
        if prefix { utf8 += [UInt8(ascii: "0"), UInt8(ascii: "x")] }
        for byte in bytes {
            utf8.append(digits[Int(byte >> 4)])
            utf8.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// Encodes a QUANTITY: `0x` and the shortest lower-case digits.
    public static func encodeQuantity(_ value: UInt64) -> String {
        "0x" + String(value, radix: 16)
    }

    @usableFromInline static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    @inlinable @inline(__always)
    static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return character &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return character &- UInt8(ascii: "A") &+ 10
        default: return nil
        }
    }
}

/// Why a hex string was refused.
public enum HexError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingPrefix
    case oddLength
    case invalidDigit(position: Int)
    case emptyQuantity
    case leadingZero
    case overflow
    case wrongLength(expected: Int, actual: Int)

    public var description: String {
        switch self {
        case .missingPrefix: return "hex value must start with 0x"
        case .oddLength: return "hex data must have an even number of digits"
        case .invalidDigit(let position): return "invalid hex digit at position \(position)"
        case .emptyQuantity: return "hex quantity must have at least one digit (0x0 for zero)"
        case .leadingZero: return "hex quantity must not have leading zeros"
        case .overflow: return "hex quantity is too large"
        case .wrongLength(let expected, let actual): return "expected \(expected) bytes of hex data, got \(actual)"
        }
    }
}
