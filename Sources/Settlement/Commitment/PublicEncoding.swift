import Foundation
import Primitives

/// Big-endian byte layout for hashing: fixed-width fields only, so the encoding of a
/// record is unambiguous without length prefixes.
struct CanonicalBytes {
    private(set) var bytes: [UInt8] = []

    init(tag: String) { bytes = Array(tag.utf8) }

    mutating func append(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ hash: Hash32) { bytes.append(contentsOf: hash.bytes) }

    mutating func append(_ address: Address) { bytes.append(contentsOf: address.bytes) }

    mutating func append(_ raw: [UInt8]) { bytes.append(contentsOf: raw) }
}

// MARK: - JSON forms of the primitive values
//
// The public API writes hashes and byte strings as `0x` hex, addresses in EIP-55 form and
// amounts as decimal strings (JSON numbers lose precision past 2^53).

// Byte strings as 0x hex (proofs, request bodies). Hashes, addresses and amounts use the
// Codable forms of Primitives.
extension KeyedDecodingContainer {
    package func decodeHexBytes(_ key: Key) throws -> [UInt8] {
        let text = try decode(String.self, forKey: key)
        do { return try Hex.decodeData(text) } catch {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "'\(text.prefix(40))…' is not 0x-prefixed hex data: \(error)")
        }
    }
}

extension KeyedEncodingContainer {
    package mutating func encode(hexBytes: [UInt8], forKey key: Key) throws { try encode(Hex.encode(hexBytes), forKey: key) }
}

/// The JSON coders of the L1 API (one place, so the client and the service agree).
package enum L1JSON {
    package static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    package static func encode(_ value: some Encodable) -> Data {
        do { return try encoder().encode(value) } catch {
            // Every L1 type encodes only strings, numbers and booleans: this cannot fail.
            preconditionFailure("encoding an L1 value failed: \(error)")
        }
    }

    /// Decodes `type` from JSON, turning a decoding failure into a message naming the field.
    package static func decode<T: Decodable>(_ type: T.Type, from data: Data, what: String) throws(SettlementError) -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw .invalid("\(what) is not valid: \(describe(error))")
        } catch {
            throw .invalid("\(what) is not valid JSON: \(error)")
        }
    }

    package static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "the body" : "field '\(keys.joined(separator: "."))'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = context.codingPath.isEmpty ? "" : " in \(path(context))"
            return "field '\(key.stringValue)' is missing\(parent)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context)) has the wrong type: \(context.debugDescription)"
        case .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
