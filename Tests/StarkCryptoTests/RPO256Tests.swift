import StarkCrypto
import StarkMath
import Testing
import TestSupport

@Suite struct RPO256Tests {
    let vectors = RPOVectors.shared

    func randomDigest(_ generator: inout SeededGenerator) -> RPODigest {
        RPODigest(
            .random(using: &generator), .random(using: &generator), .random(using: &generator),
            .random(using: &generator))
    }

    @Test func reproducesAllNineteenKnownAnswers() {
        #expect(vectors.vectors_hash_elements_of_0_to_i.count == 19)
        for answer in vectors.vectors_hash_elements_of_0_to_i {
            let input = answer.input.map { Goldilocks(reducing: $0) }
            let expected = answer.digest.map(decimalElement)
            #expect(RPO256.hashElements(input).elements == expected, "hash of 0...\(input.count - 1)")
        }
    }

    @Test func parametersMatchTheVectorFile() {
        #expect(vectors.field_modulus == String(Goldilocks.modulus))
        #expect(vectors.state_width == RPO256.stateWidth)
        #expect(vectors.capacity == Array(0..<RPO256.capacity))
        #expect(vectors.rate == Array(RPO256.capacity..<RPO256.stateWidth))
        #expect(vectors.digest == [4, 5, 6, 7])
        #expect(vectors.rounds == RPO256.rounds)
        #expect(UInt64(vectors.alpha) == RPO256.alpha)
        #expect(vectors.inv_alpha == String(RPO256.inverseAlpha))
        #expect(vectors.mds_first_row == RPOConstants.mdsFirstRow)
        #expect(vectors.ark1.flatMap { $0 }.map(decimalElement) == RPOConstants.roundConstants1)
        #expect(vectors.ark2.flatMap { $0 }.map(decimalElement) == RPOConstants.roundConstants2)
    }

    @Test func inverseSBoxUndoesTheSBox() {
        // 7 · inverseAlpha ≡ 1 (mod p − 1).
        let product = RPO256.inverseAlpha.multipliedFullWidth(by: 7)
        let (_, remainder) = (Goldilocks.modulus - 1).dividingFullWidth(product)
        #expect(remainder == 1)
        var generator = SeededGenerator(seed: 40)
        for _ in 0..<20 {
            let x = Goldilocks.random(using: &generator)
            #expect(x.power(7).power(RPO256.inverseAlpha) == x)
        }
    }

    @Test func mergeEqualsHashOfTheConcatenation() {
        var generator = SeededGenerator(seed: 41)
        for _ in 0..<20 {
            let a = randomDigest(&generator)
            let b = randomDigest(&generator)
            #expect(RPO256.merge(a, b) == RPO256.hashElements(a.elements + b.elements))
        }
        #expect(RPO256.merge(.zero, .zero) == RPO256.hashElements([Goldilocks](repeating: .zero, count: 8)))
    }

    @Test func permutationIsSevenRoundsApplied() {
        var generator = SeededGenerator(seed: 42)
        let start = RPOState((0..<12).map { _ in Goldilocks.random(using: &generator) })
        var whole = start
        RPO256.permute(&whole)
        var stepped = start
        for round in 0..<RPO256.rounds { RPO256.applyRound(&stepped, round: round) }
        #expect(whole == stepped)
        #expect(whole != start)
    }

    @Test func lengthPaddingSeparatesInputsThatDifferByTrailingZeros() {
        let one: [Goldilocks] = [1]
        let oneAndZero: [Goldilocks] = [1, 0]
        #expect(RPO256.hashElements(one) != RPO256.hashElements(oneAndZero))
        #expect(RPO256.hashElements([Goldilocks]()) == .zero)
    }

    @Test func digestBytesRoundTripAndRefuseNonCanonicalElements() throws {
        var generator = SeededGenerator(seed: 43)
        let digest = randomDigest(&generator)
        #expect(try RPODigest(bytes: digest.bytes) == digest)
        #expect(try RPODigest(elements: digest.elements) == digest)
        var bytes = digest.bytes
        for i in 0..<8 { bytes[8 + i] = 0xFF }
        #expect(throws: FieldError.nonCanonical(.max)) { try RPODigest(bytes: bytes) }
        #expect(throws: FieldError.self) { try RPODigest(bytes: [0, 1]) }
        #expect(throws: FieldError.self) { try RPODigest(elements: [Goldilocks(1)]) }
        #expect(digest[2] == digest.e2)
    }
}
