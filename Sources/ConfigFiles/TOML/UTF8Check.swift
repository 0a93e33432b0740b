/// Finds the first byte of a document that is not well-formed UTF-8 (overlong forms, surrogates
/// and values above U+10FFFF included), so that a file that is not text is refused with where.
enum UTF8Check {
    /// The offset of the first ill-formed sequence, or nil when every byte is well-formed UTF-8.
    static func firstInvalidOffset(in bytes: [UInt8]) -> Int? {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let length: Int
            var low: UInt8 = 0x80  // the bounds of the second byte: they exclude overlong forms,
            var high: UInt8 = 0xBF  // surrogates and values above U+10FFFF
            switch lead {
            case 0x00...0x7F: length = 1
            case 0xC2...0xDF: length = 2
            case 0xE0: (length, low) = (3, 0xA0)
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: (length, high) = (3, 0x9F)
            case 0xF0: (length, low) = (4, 0x90)
            case 0xF1...0xF3: length = 4
            case 0xF4: (length, high) = (4, 0x8F)
            default: return index
            }
            guard index + length <= bytes.count else { return index }
            for offset in 1..<max(length, 1) {
                let byte = bytes[index + offset]
                let (lower, upper) = offset == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
                guard byte >= lower, byte <= upper else { return index }
            }
            index += length
        }
        return nil
    }
}
