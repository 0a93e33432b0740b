/// Dense polynomials as coefficient arrays, lowest degree first (`[c0, c1, …]` is
/// c0 + c1·x + …). Trailing zero coefficients are allowed everywhere.
///
/// These are the small-size operations the prover and verifier need beside the NTT:
/// evaluating at an out-of-domain point, DEEP quotients (division by x − z), and
/// checks on degrees.
public enum Polynomial {
    /// The value at `point` (Horner's rule).
    @inlinable
    public static func evaluate<E: FieldElement>(_ coefficients: [E], at point: E) -> E {
        var result = E.zero
        var index = coefficients.count
        while index > 0 {
            index -= 1
            result = result * point + coefficients[index]
        }
        return result
    }

    /// The value of a base-field polynomial at an extension-field point (how trace
    /// polynomials are opened at the out-of-domain challenge).
    @inlinable
    public static func evaluate<E: FieldElement>(_ coefficients: [Goldilocks], atExtensionPoint point: E) -> E {
        var result = E.zero
        var index = coefficients.count
        while index > 0 {
            index -= 1
            result = result * point + E(coefficients[index])
        }
        return result
    }

    /// The degree, ignoring trailing zeros; `nil` for the zero polynomial.
    @inlinable
    public static func degree<E: FieldElement>(of coefficients: [E]) -> Int? {
        coefficients.lastIndex(where: { !$0.isZero })
    }

    /// The coefficients with trailing zeros removed (the zero polynomial becomes `[]`).
    @inlinable
    public static func trimmed<E: FieldElement>(_ coefficients: [E]) -> [E] {
        guard let degree = degree(of: coefficients) else { return [] }
        return Array(coefficients[...degree])
    }

    @inlinable
    public static func add<E: FieldElement>(_ lhs: [E], _ rhs: [E]) -> [E] {
        var result = lhs + [E](repeating: .zero, count: max(0, rhs.count - lhs.count))
        for index in rhs.indices { result[index] = result[index] + rhs[index] }
        return result
    }

    @inlinable
    public static func subtract<E: FieldElement>(_ lhs: [E], _ rhs: [E]) -> [E] {
        var result = lhs + [E](repeating: .zero, count: max(0, rhs.count - lhs.count))
        for index in rhs.indices { result[index] = result[index] - rhs[index] }
        return result
    }

    /// The product by schoolbook multiplication (for small polynomials; use the NTT for
    /// large ones).
    @inlinable
    public static func multiply<E: FieldElement>(_ lhs: [E], _ rhs: [E]) -> [E] {
        guard !lhs.isEmpty, !rhs.isEmpty else { return [] }
        var result = [E](repeating: .zero, count: lhs.count + rhs.count - 1)
        for (i, a) in lhs.enumerated() where !a.isZero {
            for (j, b) in rhs.enumerated() { result[i + j] = result[i + j] + a * b }
        }
        return result
    }

    @inlinable
    public static func scale<E: FieldElement>(_ coefficients: [E], by factor: E) -> [E] {
        coefficients.map { $0 * factor }
    }

    /// Divides by (x − root): returns the quotient and the remainder, which equals the
    /// polynomial's value at `root` (synthetic division). DEEP composition divides by
    /// x − z this way.
    @inlinable
    public static func divideByLinear<E: FieldElement>(_ coefficients: [E], root: E) -> (quotient: [E], remainder: E) {
        guard coefficients.count > 1 else { return ([], coefficients.first ?? .zero) }
        var quotient = [E](repeating: .zero, count: coefficients.count - 1)
        var carry = E.zero
        var index = coefficients.count - 1
        while index > 0 {
            carry = coefficients[index] + carry * root
            quotient[index - 1] = carry
            index -= 1
        }
        return (quotient, coefficients[0] + carry * root)
    }

    /// The unique polynomial of degree < n through n points (Lagrange, O(n²)): for small
    /// sets such as the verifier's remainder checks; large domains use ``NTTPlan``.
    /// - Throws: ``FieldError/duplicateInterpolationPoint(index:)`` if two xs coincide;
    ///   ``FieldError/wrongLength(what:expected:actual:)`` if xs and ys differ in count.
    @inlinable
    public static func interpolate<E: FieldElement>(xs: [E], ys: [E]) throws(FieldError) -> [E] {
        guard xs.count == ys.count else {
            throw .wrongLength(what: "interpolation values (one per point)", expected: xs.count, actual: ys.count)
        }
        let count = xs.count
        guard count > 0 else { return [] }
        // The vanishing polynomial Z(x) = ∏ (x − xᵢ), then Lᵢ = Z / (x − xᵢ) / Z'(xᵢ).
        var vanishing: [E] = [.one]
        for x in xs { vanishing = multiply(vanishing, [-x, .one]) }
        var denominators = [E]()
        denominators.reserveCapacity(count)
        var numerators = [[E]]()
        numerators.reserveCapacity(count)
        for x in xs {
            let (basis, _) = divideByLinear(vanishing, root: x)
            numerators.append(basis)
            denominators.append(evaluate(basis, at: x))
        }
        let inverses: [E]
        do {
            inverses = try E.batchInverse(denominators)
        } catch {
            if case .divisionByZero(let index?) = error { throw .duplicateInterpolationPoint(index: index) }
            throw error
        }
        var result = [E](repeating: .zero, count: count)
        for i in 0..<count {
            let weight = ys[i] * inverses[i]
            for (k, c) in numerators[i].enumerated() { result[k] = result[k] + c * weight }
        }
        return result
    }

    /// Values on the subgroup of order `coefficients.count` (a power of two):
    /// a one-off ``NTTPlan/forward(_:parallelism:)-(inout [E],_)``.
    @inlinable
    public static func evaluateOnSubgroup<E: FieldElement>(_ coefficients: [E]) throws(FieldError) -> [E] {
        let plan = try NTTPlan(size: coefficients.count)
        var values = coefficients
        plan.forward(&values)
        return values
    }

    /// Coefficients from values on the subgroup of order `evaluations.count`.
    @inlinable
    public static func interpolateOnSubgroup<E: FieldElement>(_ evaluations: [E]) throws(FieldError) -> [E] {
        let plan = try NTTPlan(size: evaluations.count)
        var values = evaluations
        plan.inverse(&values)
        return values
    }

    /// A low-degree extension: the values of the polynomial with these coefficients on the
    /// coset `offset · ⟨ω⟩` of size `coefficients.count × blowup`.
    /// - Throws: ``FieldError/invalidDomainSize(_:)`` unless the extended size is a power
    ///   of two within the field's two-adicity.
    @inlinable
    public static func lowDegreeExtension<E: FieldElement>(
        _ coefficients: [E], blowup: Int, offset: Goldilocks = .multiplicativeGenerator,
        parallelism: Parallelism = .automatic
    ) throws(FieldError) -> [E] {
        let (domainSize, overflow) = coefficients.count.multipliedReportingOverflow(by: blowup)
        guard blowup > 0, !overflow else { throw .invalidDomainSize(blowup) }
        let plan = try NTTPlan(size: domainSize, parallelism: parallelism)
        return plan.evaluateOnCoset(coefficients: coefficients, offset: offset, parallelism: parallelism)
    }
}
