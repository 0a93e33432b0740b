import Foundation
import Primitives
import Testing

/// The JSON forms of `Hash32`, `Address` and `UInt256`: exactly what the L1 API and the stored
/// records have always written (hex hash, EIP-55 address, decimal amount), and strict reading.
@Suite struct PrimitiveCodableTests {
    struct Record: Codable, Equatable {
        var hash: Hash32
        var address: Address
        var amount: UInt256
        var optionalHash: Hash32?
        var hashes: [Hash32]
    }

    /// The EIP-55 test vector.
    static let checksummed = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    static let hashHex = "0x" + String(repeating: "ab", count: 31) + "01"

    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(json.utf8))
    }

    /// The `debugDescription` of the `dataCorrupted` error decoding `json` throws, and its coding path.
    static func corruption<T: Decodable>(_ type: T.Type, _ json: String) -> (message: String, path: [String])? {
        do {
            _ = try decode(type, json)
            return nil
        } catch DecodingError.dataCorrupted(let context) {
            return (context.debugDescription, context.codingPath.map(\.stringValue))
        } catch {
            return nil
        }
    }

    @Test func writesTheExistingForms() throws {
        let record = Record(
            hash: try Hash32(hex: Self.hashHex), address: try Address(hex: Self.checksummed.lowercased()),
            amount: UInt256(words: (0, 0, 0, 1)), optionalHash: nil, hashes: [.zero])
        let json = try Self.encode(record)
        #expect(
            json == """
                {"address":"\(Self.checksummed)","amount":"6277101735386680763835789423207666416102355444464034512896",\
                "hash":"\(Self.hashHex)","hashes":["0x\(String(repeating: "0", count: 64))"]}
                """)
        #expect(try Self.decode(Record.self, json) == record)
    }

    @Test func writesEachValueAsOneString() throws {
        #expect(try Self.encode(Hash32.zero) == "\"0x\(String(repeating: "0", count: 64))\"")
        #expect(try Self.encode(Address.zero) == "\"0x\(String(repeating: "0", count: 40))\"")
        #expect(try Self.encode(UInt256.zero) == "\"0\"")
        #expect(try Self.encode(UInt256.max) == "\"\(UInt256.max.decimal)\"")
        #expect(try Self.encode([UInt256(1_000_000)]) == "[\"1000000\"]")
    }

    @Test func roundTrips() throws {
        let hash = Keccak256.hash(Array("cloister".utf8))
        let address = try Address(hex: Self.checksummed)
        let record = Record(hash: hash, address: address, amount: .max, optionalHash: hash, hashes: [hash, .zero])
        #expect(try Self.decode(Record.self, try Self.encode(record)) == record)
        #expect(try Self.decode(Hash32.self, try Self.encode(hash)) == hash)
        #expect(try Self.decode(Address.self, try Self.encode(address)) == address)
        #expect(try Self.decode(UInt256.self, try Self.encode(UInt256(12345))) == UInt256(12345))
    }

    @Test func optionalsAreOmittedOrNull() throws {
        let json = #"{"hash":"\#(Self.hashHex)","address":"\#(Self.checksummed)","amount":"7","hashes":[]}"#
        #expect(try Self.decode(Record.self, json).optionalHash == nil)
        let withNull = String(json.dropLast()) + #","optionalHash":null}"#
        #expect(try Self.decode(Record.self, withNull).optionalHash == nil)
        #expect(!(try Self.encode(try Self.decode(Record.self, json))).contains("optionalHash"))
    }

    /// What `Hash32(hex:)`, `Address(hex:)` and `UInt256(decimal:)` read is read, unchanged.
    @Test func readsWhatTheTextParsersRead() throws {
        let upper = "0x" + String(repeating: "AB", count: 31) + "01"
        #expect(try Self.decode(Hash32.self, "\"\(upper)\"") == Hash32(hex: Self.hashHex))
        #expect(try Self.decode(Hash32.self, "\"0X\(Self.hashHex.dropFirst(2))\"") == Hash32(hex: Self.hashHex))
        let address = try Address(hex: Self.checksummed)
        #expect(try Self.decode(Address.self, "\"\(Self.checksummed.lowercased())\"") == address)
        #expect(try Self.decode(Address.self, "\"0x\(Self.checksummed.dropFirst(2).uppercased())\"") == address)
        #expect(try Self.decode(UInt256.self, "\"007\"") == UInt256(7))
    }

    @Test(arguments: [
        ("\"0x1234\"", "expected 32 bytes of hex data, got 2"),
        ("\"\(String(repeating: "ab", count: 32))\"", "must start with 0x"),
        ("\"0x\(String(repeating: "zz", count: 32))\"", "invalid hex digit at position 2"),
        ("\"0x\(String(repeating: "a", count: 63))\"", "even number of digits"),
        ("\"\"", "must start with 0x"),
    ])
    func refusesMalformedHashes(_ json: String, _ problem: String) throws {
        let failure = try #require(Self.corruption(Hash32.self, json))
        #expect(failure.message.contains("is not a 32-byte hash (0x + 64 hex digits)"))
        #expect(failure.message.contains(problem))
    }

    @Test(arguments: [
        ("\"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD\"", "invalid EIP-55 checksum"),
        ("\"0x\(String(repeating: "00", count: 32))\"", "expected 20 bytes of hex data, got 32"),
        ("\"\(String(repeating: "00", count: 20))\"", "must start with 0x"),
        ("\"0x\(String(repeating: "0g", count: 20))\"", "invalid hex digit at position 3"),
    ])
    func refusesMalformedAddresses(_ json: String, _ problem: String) throws {
        let failure = try #require(Self.corruption(Address.self, json))
        #expect(failure.message.contains("is not an address (0x + 40 hex digits)"))
        #expect(failure.message.contains(problem))
    }

    @Test(arguments: [
        ("\"0x10\"", "is not a decimal number"),
        ("\"-1\"", "is not a decimal number"),
        ("\"1.5\"", "is not a decimal number"),
        ("\" 1\"", "is not a decimal number"),
        ("\"\"", "empty decimal number"),
        ("\"1\(UInt256.max.decimal)\"", "does not fit in 256 bits"),
    ])
    func refusesMalformedAmounts(_ json: String, _ problem: String) throws {
        let failure = try #require(Self.corruption(UInt256.self, json))
        #expect(failure.message.contains("is not a whole decimal number below 2^256"))
        #expect(failure.message.contains(problem))
    }

    @Test func refusesNonStrings() {
        #expect(throws: DecodingError.self) { try Self.decode(UInt256.self, "5") }
        #expect(throws: DecodingError.self) { try Self.decode(Hash32.self, "null") }
        #expect(throws: DecodingError.self) { try Self.decode(Address.self, "[]") }
    }

    /// The error names the field, as the hand-written helpers' errors did.
    @Test func errorsNameTheField() throws {
        let json = #"{"hash":"0x12","address":"\#(Self.checksummed)","amount":"7","hashes":[]}"#
        let failure = try #require(Self.corruption(Record.self, json))
        #expect(failure.path == ["hash"])
        #expect(
            failure.message
                == "'0x12' is not a 32-byte hash (0x + 64 hex digits): expected 32 bytes of hex data, got 1")
        let inList = #"{"hash":"\#(Self.hashHex)","address":"\#(Self.checksummed)","amount":"7","hashes":["0x"]}"#
        #expect(try #require(Self.corruption(Record.self, inList)).path == ["hashes", "Index 0"])
    }
}
