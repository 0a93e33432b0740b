import StarkMath
import Testing
import TestSupport

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
