import StarkMath
import Testing
import TestSupport

@Suite struct GoldilocksTests {
    let p: UInt64 = 0xFFFF_FFFF_0000_0001

    @Test func agreesWithPythonReferenceOnBaseFieldArithmetic() throws {
        let fixtures = FieldFixtures.shared
        #expect(fixtures.modulus == String(Goldilocks.modulus))
        #expect(fixtures.base.count > 200)
        for c in fixtures.base {
            let a = try element(c.a)
            let b = try element(c.b)
            #expect(a + b == (try element(c.sum)), "\(c.a) + \(c.b)")
            #expect(a - b == (try element(c.difference)), "\(c.a) - \(c.b)")
            #expect(a * b == (try element(c.product)), "\(c.a) * \(c.b)")
            #expect(-a == (try element(c.negation)), "-\(c.a)")
            #expect(a.power(UInt64(c.exponent)!) == (try element(c.power)), "\(c.a) ^ \(c.exponent)")
            if let inverse = c.inverse {
                #expect(try a.inverse() == (try element(inverse)), "1 / \(c.a)")
            } else {
                #expect(throws: FieldError.divisionByZero(index: nil)) { try a.inverse() }
            }
        }
    }

    @Test func refusesNonCanonicalValues() throws {
        #expect(throws: FieldError.nonCanonical(p)) { try Goldilocks(canonical: p) }
        #expect(throws: FieldError.nonCanonical(p + 1)) { try Goldilocks(canonical: p + 1) }
        #expect(throws: FieldError.nonCanonical(.max)) { try Goldilocks(canonical: .max) }
        #expect(try Goldilocks(canonical: p - 1).value == p - 1)
        #expect(try Goldilocks(canonical: 0).value == 0)
        let encodedModulus: [UInt8] = [0x01, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]
        #expect(throws: FieldError.nonCanonical(p)) { try Goldilocks(littleEndianBytes: encodedModulus) }
        #expect(throws: FieldError.self) { try Goldilocks(littleEndianBytes: [1, 2, 3]) }
    }

    @Test func errorMessagesSayWhatToFix() {
        #expect(FieldError.nonCanonical(p).description.contains("below the Goldilocks modulus"))
        #expect(FieldError.divisionByZero(index: 3).description.contains("element 3"))
        #expect(FieldError.invalidDomainSize(12).description.contains("power of two"))
    }

    @Test func littleEndianBytesRoundTrip() throws {
        var generator = SeededGenerator(seed: 1)
        for _ in 0..<100 {
            let x = Goldilocks.random(using: &generator)
            #expect(try Goldilocks(littleEndianBytes: x.littleEndianBytes) == x)
        }
        let pattern: Goldilocks = 0x0102_0304_0506_0708
        #expect(pattern.littleEndianBytes == [8, 7, 6, 5, 4, 3, 2, 1])
    }

    @Test func reducingInitializersAgreeWithModularArithmetic() {
        #expect(Goldilocks(reducing: p).value == 0)
        #expect(Goldilocks(reducing: .max).value == UInt64.max - p)
        // high · 2⁶⁴ + low ≡ high · (2³² − 1) + low.
        let twoTo64 = Goldilocks(reducing: 0xFFFF_FFFF)
        var generator = SeededGenerator(seed: 2)
        for _ in 0..<200 {
            let high = generator.next()
            let low = generator.next()
            let expected = Goldilocks(reducing: high) * twoTo64 + Goldilocks(reducing: low)
            #expect(Goldilocks(reducingHigh: high, low: low) == expected)
        }
        #expect(
            Goldilocks(reducingHigh: .max, low: .max) == Goldilocks(reducing: .max) * twoTo64
                + Goldilocks(reducing: .max))
    }

    @Test func inverseTimesElementIsOne() throws {
        var generator = SeededGenerator(seed: 3)
        for _ in 0..<200 {
            let x = Goldilocks.random(using: &generator)
            guard !x.isZero else { continue }
            #expect(try x * x.inverse() == .one)
            #expect(try x.inverse() == x.power(p - 2))
        }
        #expect(try Goldilocks(reducing: p - 1).inverse() == Goldilocks(reducing: p - 1))
    }

    @Test func twoAdicRootHasOrderExactlyTwoToThe32() throws {
        let root = Goldilocks.twoAdicRootOfUnity
        #expect(root == (try element(FieldFixtures.shared.twoAdicRootOfUnity)))
        #expect(root == Goldilocks.multiplicativeGenerator.power((p - 1) >> 32))
        #expect(root.squared(times: 32) == .one)
        #expect(root.squared(times: 31) == -Goldilocks.one)
    }

    @Test func rootsOfUnityOfEveryPowerOfTwoOrderArePrimitive() throws {
        for log in 0...32 {
            let root = try Goldilocks.rootOfUnity(order: 1 << log)
            #expect(root.squared(times: log) == .one, "order 2^\(log)")
            if log > 0 { #expect(root.squared(times: log - 1) == -Goldilocks.one, "order 2^\(log)") }
        }
        #expect(throws: FieldError.invalidDomainSize(12)) { try Goldilocks.rootOfUnity(order: 12) }
        #expect(throws: FieldError.invalidDomainSize(0)) { try Goldilocks.rootOfUnity(order: 0) }
        #expect(throws: FieldError.invalidDomainSize(1 << 33)) { try Goldilocks.rootOfUnity(order: 1 << 33) }
    }

    @Test func sevenGeneratesTheMultiplicativeGroup() {
        // p − 1 = 2³² · 3 · 5 · 17 · 257 · 65537.
        #expect(UInt64(1 << 32) * 3 * 5 * 17 * 257 * 65537 == p - 1)
        for prime: UInt64 in [2, 3, 5, 17, 257, 65537] {
            #expect(Goldilocks.multiplicativeGenerator.power((p - 1) / prime) != .one, "q = \(prime)")
        }
    }

    @Test func batchInversionMatchesOneByOneInversion() throws {
        var generator = SeededGenerator(seed: 4)
        let values = (0..<257).map { _ in Goldilocks.random(using: &generator) }
        let batch = try Goldilocks.batchInverse(values)
        for (value, inverse) in zip(values, batch) { #expect(try value.inverse() == inverse) }
        #expect(try Goldilocks.batchInverse([]).isEmpty)
        let extensionValues = (0..<33).map { _ in CubicExtension.random(using: &generator) }
        for (value, inverse) in zip(extensionValues, try CubicExtension.batchInverse(extensionValues)) {
            #expect(value * inverse == .one)
        }
    }

    @Test func batchInversionNamesTheZeroElement() {
        let values: [Goldilocks] = [1, 2, 0, 4]
        #expect(throws: FieldError.divisionByZero(index: 2)) { try Goldilocks.batchInverse(values) }
    }

    @Test func powerHandlesEdgeExponents() {
        let x: Goldilocks = 12345
        #expect(x.power(0) == .one)
        #expect(Goldilocks.zero.power(0) == .one)
        #expect(x.power(1) == x)
        #expect(x.power(p - 1) == .one)
        #expect(x.powers(count: 4) == [1, x, x * x, x * x * x])
    }
}
