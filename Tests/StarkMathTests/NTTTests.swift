import Testing
import TestSupport

@testable import StarkMath

@Suite struct NTTTests {
    /// The definition: values[i] = Σₖ coefficients[k] · ωⁱᵏ, in O(n²).
    func naiveDFT<E: FieldElement>(_ coefficients: [E], root: Goldilocks) -> [E] {
        let n = coefficients.count
        var values = [E](repeating: .zero, count: n)
        var point = Goldilocks.one
        for i in 0..<n {
            var sum = E.zero
            var power = Goldilocks.one
            for k in 0..<n {
                sum += coefficients[k] * power
                power *= point
            }
            values[i] = sum
            point *= root
        }
        return values
    }

    @Test func forwardEqualsNaiveDFTAndInverseRoundTripsForSizesTwoThrough4096() throws {
        var generator = SeededGenerator(seed: 20)
        for log in 1...12 {
            let plan = try NTTPlan(size: 1 << log)
            let coefficients = (0..<plan.size).map { _ in Goldilocks.random(using: &generator) }
            var values = coefficients
            plan.forward(&values)
            #expect(values == naiveDFT(coefficients, root: plan.rootOfUnity), "size 2^\(log)")
            plan.inverse(&values)
            #expect(values == coefficients, "size 2^\(log)")
        }
    }

    @Test func transformsExtensionElementsWithBaseFieldTwiddles() throws {
        var generator = SeededGenerator(seed: 21)
        for log in [1, 3, 6] {
            let plan = try NTTPlan(size: 1 << log)
            let quadratic = (0..<plan.size).map { _ in QuadraticExtension.random(using: &generator) }
            var quadraticValues = quadratic
            plan.forward(&quadraticValues)
            #expect(quadraticValues == naiveDFT(quadratic, root: plan.rootOfUnity))
            plan.inverse(&quadraticValues)
            #expect(quadraticValues == quadratic)
            let cubic = (0..<plan.size).map { _ in CubicExtension.random(using: &generator) }
            var cubicValues = cubic
            plan.forward(&cubicValues)
            #expect(cubicValues == naiveDFT(cubic, root: plan.rootOfUnity))
            plan.inverse(&cubicValues)
            #expect(cubicValues == cubic)
        }
    }

    @Test func parallelAndSerialTransformsAgreeAboveTheThreshold() throws {
        var generator = SeededGenerator(seed: 22)
        let plan = try NTTPlan(size: NTTPlan.parallelThreshold * 2)
        let coefficients = (0..<plan.size).map { _ in Goldilocks.random(using: &generator) }
        var serial = coefficients
        var parallel = coefficients
        plan.forward(&serial, parallelism: .serial)
        plan.forward(&parallel, parallelism: .automatic)
        #expect(serial == parallel)
        for i in stride(from: 0, to: plan.size, by: 4099) {
            let point = plan.rootOfUnity.power(UInt64(i))
            #expect(parallel[i] == Polynomial.evaluate(coefficients, at: point))
        }
        plan.inverse(&parallel, parallelism: .automatic)
        #expect(parallel == coefficients)
    }

    @Test func cosetLowDegreeExtensionOfDegreeDPolynomialHasDegreeD() throws {
        var generator = SeededGenerator(seed: 23)
        let traceLength = 64
        let blowup = 8
        let offset = Goldilocks.multiplicativeGenerator
        for degree in [0, 1, 40, traceLength - 1] {
            var coefficients = (0...degree).map { _ in Goldilocks.random(using: &generator) }
            if coefficients[degree].isZero { coefficients[degree] = .one }
            coefficients += [Goldilocks](repeating: .zero, count: traceLength - degree - 1)
            let extended = try Polynomial.lowDegreeExtension(coefficients, blowup: blowup, offset: offset)
            #expect(extended.count == traceLength * blowup)
            let plan = try NTTPlan(size: traceLength * blowup)
            for i in [0, 1, 77, extended.count - 1] {
                let point = offset * plan.rootOfUnity.power(UInt64(i))
                #expect(extended[i] == Polynomial.evaluate(coefficients, at: point), "point \(i)")
            }
            let recovered = plan.interpolateFromCoset(evaluations: extended, offset: offset)
            #expect(Polynomial.degree(of: recovered) == degree)
            #expect(Array(recovered.prefix(traceLength)) == coefficients)
        }
    }

    func splitEvaluate<E: FieldElement>(
        _ plan: NTTPlan, _ coefficients: [E], offset: Goldilocks, blowup: Int, parallelism: Parallelism
    ) -> [E] {
        let total = plan.size * blowup
        var output = [E](repeating: .zero, count: total)
        var scratch = [E](repeating: .zero, count: total)
        output.withUnsafeMutableBufferPointer { output in
            scratch.withUnsafeMutableBufferPointer { scratch in
                coefficients.withUnsafeBufferPointer { input in
                    plan.evaluateOnCoset(
                        coefficients: input, offset: offset, blowup: blowup, into: output, scratch: scratch,
                        parallelism: parallelism)
                }
            }
        }
        return output
    }

    func splitInterpolate<E: FieldElement>(_ plan: NTTPlan, _ values: [E], offset: Goldilocks, blowup: Int) -> [E] {
        var output = [E](repeating: .zero, count: values.count)
        var scratch = [E](repeating: .zero, count: values.count)
        output.withUnsafeMutableBufferPointer { output in
            scratch.withUnsafeMutableBufferPointer { scratch in
                values.withUnsafeBufferPointer { values in
                    plan.interpolateFromCoset(
                        evaluations: values, offset: offset, blowup: blowup, into: output, scratch: scratch)
                }
            }
        }
        return output
    }

    /// The split evaluation (blowup cosets of a size-n subgroup) must equal the single
    /// transform of size blowup·n, element for element, for short and full inputs; the
    /// split interpolation must invert it.
    @Test func cosetSplitEvaluationEqualsTheFullSizeTransform() throws {
        var generator = SeededGenerator(seed: 24)
        let offset = Goldilocks.multiplicativeGenerator
        for (logSize, blowup) in [(3, 1), (3, 2), (4, 8), (5, 4), (6, 8), (13, 4)] {
            let plan = try NTTPlan(size: 1 << logSize)
            let total = plan.size * blowup
            let fullPlan = try NTTPlan(size: total)
            for count in Set([0, 1, plan.size - 1, plan.size, plan.size + 3, 2 * plan.size + 1, total]) where count <= total {
                let base = (0..<count).map { _ in Goldilocks.random(using: &generator) }
                let cubic = (0..<count).map { _ in CubicExtension.random(using: &generator) }
                let baseExpected = fullPlan.evaluateOnCoset(coefficients: base, offset: offset)
                let cubicExpected = fullPlan.evaluateOnCoset(coefficients: cubic, offset: offset)
                for parallelism in [Parallelism.serial, .automatic] {
                    let baseValues = splitEvaluate(plan, base, offset: offset, blowup: blowup, parallelism: parallelism)
                    let cubicValues = splitEvaluate(
                        plan, cubic, offset: offset, blowup: blowup, parallelism: parallelism)
                    #expect(baseValues == baseExpected, "2^\(logSize) × \(blowup), \(count) coefficients")
                    #expect(cubicValues == cubicExpected, "2^\(logSize) × \(blowup), \(count) coefficients")
                }
                let padded = cubic + [CubicExtension](repeating: .zero, count: total - count)
                #expect(splitInterpolate(plan, cubicExpected, offset: offset, blowup: blowup) == padded)
                #expect(splitInterpolate(plan, baseExpected, offset: offset, blowup: blowup)
                    == base + [Goldilocks](repeating: .zero, count: total - count))
            }
        }
    }

    /// One coset alone (what the prover extends and commits one at a time) must be the
    /// whole extension's values at natural indices b·i + k: a coset shifted by one
    /// point, or taken from the wrong residue, fails here.
    @Test func singleCosetEqualsTheWholeExtensionAtItsIndices() throws {
        var generator = SeededGenerator(seed: 27)
        let offset = Goldilocks.multiplicativeGenerator
        for (logSize, blowup) in [(3, 1), (4, 8), (5, 4), (10, 8)] {
            let plan = try NTTPlan(size: 1 << logSize)
            let n = plan.size
            for count in [1, n, n + 5, 2 * n + 1] where count <= n * blowup {
                let cubic = (0..<count).map { _ in CubicExtension.random(using: &generator) }
                let base = (0..<count).map { _ in Goldilocks.random(using: &generator) }
                let cubicWhole = splitEvaluate(plan, cubic, offset: offset, blowup: blowup, parallelism: .serial)
                let baseWhole = splitEvaluate(plan, base, offset: offset, blowup: blowup, parallelism: .serial)
                for k in 0..<blowup {
                    #expect(
                        singleCoset(plan, cubic, offset: offset, blowup: blowup, coset: k)
                            == (0..<n).map { cubicWhole[$0 * blowup + k] }, "2^\(logSize) × \(blowup), coset \(k)")
                    #expect(
                        singleCoset(plan, base, offset: offset, blowup: blowup, coset: k)
                            == (0..<n).map { baseWhole[$0 * blowup + k] }, "2^\(logSize) × \(blowup), coset \(k)")
                }
            }
        }
    }

    /// A large coset (its bit reversal in tiles with several middle bits) against Horner
    /// at a few points.
    @Test func largeSingleCosetEqualsHorner() throws {
        var generator = SeededGenerator(seed: 29)
        let plan = try NTTPlan(size: 1 << 17)
        let offset = Goldilocks.multiplicativeGenerator
        let blowup = 2
        let coefficients = (0..<(plan.size + 9)).map { _ in CubicExtension.random(using: &generator) }
        let omega = try Goldilocks.rootOfUnity(order: plan.size * blowup)
        let values = singleCoset(plan, coefficients, offset: offset, blowup: blowup, coset: 1)
        for i in [0, 1, 4_099, plan.size - 1] {
            let point = CubicExtension(offset * omega.power(UInt64(i * blowup + 1)))
            #expect(values[i] == Polynomial.evaluate(coefficients, at: point), "point \(i)")
        }
    }

    /// The tiled walk visits every index once, paired with its bit reversal.
    @Test func bitReversedPairsCoverEveryIndexOnce() {
        for logSize in [0, 1, 3, 9, 10, 11, 14] {
            var seen = [Bool](repeating: false, count: 1 << logSize)
            var pairsMatch = true
            NTTPlan.forEachBitReversedPair(logSize: logSize) { t, slot in
                let expected = logSize == 0 ? 0 : Int(NTTPlan.reverseBits(UInt64(t)) >> UInt64(64 - logSize))
                if slot != expected || seen[t] { pairsMatch = false }
                seen[t] = true
            }
            #expect(pairsMatch && !seen.contains(false), "2^\(logSize)")
        }
    }

    func singleCoset<E: FieldElement>(
        _ plan: NTTPlan, _ coefficients: [E], offset: Goldilocks, blowup: Int, coset: Int
    ) -> [E] {
        var output = [E](repeating: .zero, count: plan.size)
        output.withUnsafeMutableBufferPointer { output in
            coefficients.withUnsafeBufferPointer { input in
                plan.evaluateOnCoset(coefficients: input, offset: offset, blowup: blowup, coset: coset, into: output)
            }
        }
        return output
    }

    @Test func interpolationOnTheSubgroupInvertsEvaluation() throws {
        var generator = SeededGenerator(seed: 24)
        let coefficients = (0..<32).map { _ in CubicExtension.random(using: &generator) }
        let values = try Polynomial.evaluateOnSubgroup(coefficients)
        #expect(try Polynomial.interpolateOnSubgroup(values) == coefficients)
    }

    @Test func refusesSizesThatAreNotPowersOfTwo() {
        #expect(throws: FieldError.invalidDomainSize(0)) { try NTTPlan(size: 0) }
        #expect(throws: FieldError.invalidDomainSize(24)) { try NTTPlan(size: 24) }
        #expect(throws: FieldError.invalidDomainSize(1 << 33)) { try NTTPlan(size: 1 << 33) }
        #expect(throws: FieldError.invalidDomainSize(48)) {
            try Polynomial.lowDegreeExtension([Goldilocks](repeating: 1, count: 16), blowup: 3)
        }
    }

    @Test func sizeOneTransformIsTheIdentity() throws {
        let plan = try NTTPlan(size: 1)
        var values: [Goldilocks] = [42]
        plan.forward(&values)
        #expect(values == [42])
        plan.inverse(&values)
        #expect(values == [42])
    }
}
