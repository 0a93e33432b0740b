import Foundation
import Primitives
import TestSupport
import Testing

struct RLPVector: Sendable, CustomTestStringConvertible {
    let name: String
    let input: RLPItem?
    let encoded: String
    var testDescription: String { name }

    /// Turns a vector's `in` into an item: strings are UTF-8 bytes, integers and `#decimal`
    /// big integers are minimal big-endian bytes, arrays are lists.
    static func item(_ value: Any) -> RLPItem {
        if let list = value as? [Any] { return .list(list.map(item)) }
        if let text = value as? String {
            if text.hasPrefix("#") { return .bytes(bigEndianBytes(decimal: String(text.dropFirst()))) }
            return .bytes(Array(text.utf8))
        }
        let number = (value as! NSNumber).uint64Value
        return .bytes(bigEndianBytes(decimal: String(number)))
    }

    /// Arbitrary-size decimal to minimal big-endian bytes (the vectors include 2^256).
    static func bigEndianBytes(decimal: String) -> [UInt8] {
        var digits = decimal.utf8.map { Int($0) - 48 }
        var out = [UInt8]()
        while !(digits.allSatisfy { $0 == 0 }) {
            var remainder = 0
            for i in digits.indices {
                let current = remainder * 10 + digits[i]
                digits[i] = current / 256
                remainder = current % 256
            }
            out.append(UInt8(remainder))
        }
        return out.reversed()
    }

    static func load(_ file: String, valid: Bool) -> [RLPVector] {
        guard let tests = try? SharedVectors.json("ethereum-tests/RLPTests/\(file)") as? [String: [String: Any]] else { return [] }
        return tests.map { name, test in
            RLPVector(name: name, input: valid ? item(test["in"]!) : nil, encoded: test["out"] as! String)
        }.sorted { $0.name < $1.name }
    }
}

@Suite struct RLPTests {
    static let valid = RLPVector.load("rlptest.json", valid: true)
    static let invalid = RLPVector.load("invalidRLPTest.json", valid: false)

    @Test func vectorsArePresent() {
        #expect(Self.valid.count >= 28)
        #expect(Self.invalid.count >= 26)
    }

    @Test(arguments: valid)
    func encodesExactlyAndDecodesBack(_ vector: RLPVector) throws {
        let expected = bytes(fromHex: vector.encoded)
        #expect(RLP.encode(vector.input!) == expected)
        #expect(try RLP.decode(expected) == vector.input!)
    }

    @Test(arguments: invalid)
    func refusesInvalidEncoding(_ vector: RLPVector) {
        #expect(throws: RLPError.self) { try RLP.decode(bytes(fromHex: vector.encoded)) }
    }

    @Test func refusesTrailingBytes() {
        #expect(throws: RLPError.trailingBytes(count: 1)) { try RLP.decode([0x83, 0x64, 0x6f, 0x67, 0x00]) }
    }

    @Test func refusesIntegerWithLeadingZero() {
        var reader = RLPReader([0x82, 0x00, 0x01])
        #expect(throws: RLPError.leadingZeroInInteger) { try reader.readUInt64() }
    }

    @Test func refusesIntegerWiderThanItsType() {
        var reader = RLPReader([0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9])
        #expect(throws: RLPError.integerOverflow(bits: 64)) { try reader.readUInt64() }
    }

    @Test func integersRoundTrip() throws {
        for value: UInt64 in [0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff_ffff, .max] {
            var out = [UInt8]()
            RLP.encode(value, into: &out)
            var reader = RLPReader(out)
            #expect(try reader.readUInt64() == value)
            try reader.finish()
        }
    }
}
