// MARK: - JSON forms (Codable) of the primitive values
//
// One string each, the forms the L1 API, the stored L1 records and the node's batch records
// have always written (and Settlement's hand-written coders wrote before these replaced them):
//
// - `Hash32`:  `0x` + 64 lower-case hex digits (`hex`).
// - `Address`: EIP-55 mixed case (`checksummed`).
// - `UInt256`: a decimal string (`decimal`): JSON numbers lose precision past 2^53.
//
// Decoding reads exactly what `init(hex:)` / `init(decimal:)` read, no more and no less, so
// replacing a hand-written pair changes neither the JSON produced nor the JSON accepted:
// a hash needs the `0x` prefix and exactly 64 hex digits (either case); an address exactly
// 40 digits, all lower case, all upper case, or mixed case with a valid EIP-55 checksum; an
// amount decimal digits only (no sign, no `0x`, no JSON number). Anything else is a
// `DecodingError.dataCorrupted` at the value's coding path that quotes the text and says
// what was wrong with it.

extension Hash32: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { self = try Hash32(hex: text) } catch {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(text)' is not a 32-byte hash (0x + 64 hex digits): \(error)")
        }
    }

    /// `0x` + 64 lower-case hex digits.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}

extension Address: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { self = try Address(hex: text) } catch {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(text)' is not an address (0x + 40 hex digits): \(error)")
        }
    }

    /// The EIP-55 checksummed form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(checksummed)
    }
}

extension UInt256: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { self = try UInt256(decimal: text) } catch {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(text)' is not a whole decimal number below 2^256: \(error)")
        }
    }

    /// Decimal digits, as a string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(decimal)
    }
}
