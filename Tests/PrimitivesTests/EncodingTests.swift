import Primitives
import Testing

@Suite struct HexTests {
    @Test func decodesData() throws {
        #expect(try Hex.decodeData("0x") == [])
        #expect(try Hex.decodeData("0x00ff") == [0, 255])
        #expect(try Hex.decodeData("0XABcd") == [0xab, 0xcd])
    }

    @Test(arguments: ["", "00ff", "0x0", "0x0g", "0xzz", "x00"])
    func refusesMalformedData(_ text: String) {
        #expect(throws: HexError.self) { try Hex.decodeData(text) }
    }

    @Test func decodesCanonicalQuantities() throws {
        #expect(try Hex.decodeQuantity("0x0") == 0)
        #expect(try Hex.decodeQuantity("0x1") == 1)
        #expect(try Hex.decodeQuantity("0x400") == 1024)
        #expect(try Hex.decodeQuantity("0xffffffffffffffff") == .max)
    }

    @Test func refusesQuantityWithLeadingZero() {
        #expect(throws: HexError.leadingZero) { try Hex.decodeQuantity("0x0400") }
        #expect(throws: HexError.leadingZero) { try Hex.decodeQuantity("0x00") }
    }

    @Test func refusesEmptyOrOverflowingQuantity() {
        #expect(throws: HexError.emptyQuantity) { try Hex.decodeQuantity("0x") }
        #expect(throws: HexError.overflow) { try Hex.decodeQuantity("0x10000000000000000") }
        #expect(throws: HexError.missingPrefix) { try Hex.decodeQuantity("400") }
    }

    @Test func encodesLowerCase() {
        #expect(Hex.encode([0xAB, 0x01]) == "0xab01")
        #expect(Hex.encodeQuantity(0) == "0x0")
        #expect(Hex.encodeQuantity(1024) == "0x400")
    }
}

@Suite struct UInt256Tests {
    static let twoTo128 = try! UInt256(decimal: "340282366920938463463374607431768211456")

    @Test func parsesAndPrintsDecimal() throws {
        let text = "115792089237316195423570985008687907853269984665640564039457584007913129639935"
        #expect(try UInt256(decimal: text) == .max)
        #expect(UInt256.max.decimal == text)
        #expect(UInt256.zero.decimal == "0")
        #expect(UInt256(10_000_000_000_000_000_000).decimal == "10000000000000000000")
        #expect(Self.twoTo128.decimal == "340282366920938463463374607431768211456")
    }

    @Test func refusesBadDecimal() {
        #expect(throws: PrimitiveError.self) {
            try UInt256(decimal: "115792089237316195423570985008687907853269984665640564039457584007913129639936")
        }
        #expect(throws: PrimitiveError.self) { try UInt256(decimal: "-1") }
        #expect(throws: PrimitiveError.self) { try UInt256(decimal: "1e18") }
        #expect(throws: PrimitiveError.self) { try UInt256(decimal: "") }
    }

    @Test func parsesAndPrintsQuantity() throws {
        #expect(try UInt256(quantity: "0x0") == .zero)
        #expect(try UInt256(quantity: "0x100000000000000000000000000000000") == Self.twoTo128)
        #expect(Self.twoTo128.quantity == "0x100000000000000000000000000000000")
        #expect(UInt256.max.quantity == "0x" + String(repeating: "f", count: 64))
        #expect(throws: PrimitiveError.self) { try UInt256(quantity: "0x01") }
        #expect(throws: PrimitiveError.self) { try UInt256(quantity: "0x1" + String(repeating: "0", count: 64)) }
    }

    @Test func checkedArithmeticReportsOverflow() {
        #expect(UInt256.max.checkedAdding(.one) == nil)
        #expect(UInt256.zero.checkedSubtracting(.one) == nil)
        #expect(Self.twoTo128.checkedMultiplying(by: Self.twoTo128) == nil)
        #expect((Self.twoTo128 - .one).checkedMultiplying(by: Self.twoTo128 - .one) != nil)
        #expect(UInt256(UInt64.max) + .one == UInt256(words: (0, 1, 0, 0)))
        #expect(UInt256(words: (0, 1, 0, 0)) - .one == UInt256(UInt64.max))
    }

    @Test func multipliesAndDividesConsistently() {
        let a = try! UInt256(decimal: "123456789012345678901234567890123456789")
        let b = UInt256(987_654_321_987)
        let product = a * b
        let (quotient, remainder) = product.quotientAndRemainder(dividingBy: a)
        #expect(quotient == b)
        #expect(remainder == .zero)
        let (q2, r2) = (product + UInt256(5)).quotientAndRemainder(dividingBy: b)
        #expect(q2 == a && r2 == UInt256(5))
    }

    @Test func convertsBigEndianBytes() throws {
        let value = try UInt256(bigEndian: [0x01, 0x00])
        #expect(value == UInt256(256))
        #expect(value.minimalBigEndianBytes == [1, 0])
        #expect(UInt256.zero.minimalBigEndianBytes == [])
        #expect(value.bigEndianBytes.count == 32)
        #expect(throws: PrimitiveError.self) { try UInt256(bigEndian: [UInt8](repeating: 1, count: 33)) }
    }
}

@Suite struct AddressTests {
    /// The EIP-55 examples.
    static let checksummed = [
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ]

    @Test(arguments: checksummed)
    func printsEIP55Checksum(_ text: String) throws {
        #expect(try Address(hex: text).checksummed == text)
        #expect(try Address(hex: text.lowercased()).checksummed == text)
    }

    @Test func refusesBadChecksum() {
        #expect(throws: PrimitiveError.invalidChecksum("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD")) {
            try Address(hex: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD")
        }
    }

    @Test func acceptsSingleCaseWithoutChecksum() throws {
        #expect(try Address(hex: "0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED").hex == "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")
    }

    @Test func refusesWrongLength() {
        #expect(throws: PrimitiveError.self) { try Address(hex: "0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea") }
        #expect(throws: PrimitiveError.self) { try Address([UInt8](repeating: 0, count: 21)) }
    }
}
