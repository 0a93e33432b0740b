import StarkMath

/// Everything about a proof's shape that follows from the AIR and the options: domain
/// sizes, randomiser counts, composition segments, FRI layers.
///
/// Prover and verifier derive it independently from the same inputs; the verifier
/// never reads these numbers from the proof, it checks the proof against them.
struct ProofParameters: Sendable, Hashable {
    let traceLength: Int
    let traceWidth: Int
    let options: ProofOptions
    let extensionDegree: Int
    /// N = n · blowup: the low-degree extension (evaluation) domain size.
    let domainSize: Int
    /// The evaluation domain is the coset `domainOffset · ⟨ω_N⟩`, disjoint from the trace domain.
    let domainOffset: Goldilocks
    /// h: random coefficients added to every trace polynomial (and composition segment).
    let randomizerCount: Int
    /// n + h: coefficients of a masked trace polynomial and of a composition segment.
    let maskedCoefficientCount: Int
    /// Coefficients of the composition polynomial (its degree + 1) when the trace is valid.
    let compositionCoefficientCount: Int
    /// The composition polynomial is split into this many segments of n coefficients.
    let segmentCount: Int
    /// Coefficients of the DEEP composition polynomial: n + h − 1.
    let deepCoefficientCount: Int
    let transitionCount: Int
    /// Auxiliary columns (extension elements), 0 without an auxiliary segment.
    let auxiliaryWidth: Int
    /// Extension-field challenges drawn after the main trace root is absorbed.
    let auxiliaryChallengeCount: Int
    /// Auxiliary transition constraints.
    let auxiliaryTransitionCount: Int
    /// Number of FRI layers committed (each folds by the folding factor).
    let friLayerCount: Int
    /// Coefficients (extension elements) of the FRI remainder polynomial.
    let remainderCoefficientCount: Int

    /// Composition segment columns plus one random DEEP mask column, each an extension
    /// element: the composition commitment's row width in base elements.
    var compositionRowWidth: Int { (segmentCount + 1) * extensionDegree }
    /// Base elements in one FRI leaf (a coset of `folding` extension values).
    var friLeafWidth: Int { options.friFoldingFactor * extensionDegree }
    /// The auxiliary commitment's row width in base elements.
    var auxiliaryRowWidth: Int { auxiliaryWidth * extensionDegree }
    /// DEEP challenges: γ, γ' per main column, δ per segment, ε for the mask, then γ, γ'
    /// per auxiliary column (none without an auxiliary segment).
    var deepChallengeCount: Int { 2 * traceWidth + segmentCount + 1 + 2 * auxiliaryWidth }

    /// Size of the domain FRI layer `layer` lives on (layer 0: the evaluation domain).
    func friDomainSize(layer: Int) -> Int {
        var size = domainSize
        for _ in 0..<layer { size /= options.friFoldingFactor }
        return size
    }

    init(air: some AIR, options: ProofOptions) throws(StarkError) {
        try ConstraintChecker.validate(air: air)
        let n = air.traceLength
        traceLength = n
        traceWidth = air.traceWidth
        self.options = options
        extensionDegree = options.fieldExtension.degree
        domainSize = n * options.blowupFactor
        domainOffset = Goldilocks.multiplicativeGenerator
        randomizerCount = options.randomizerCount
        maskedCoefficientCount = n + randomizerCount
        transitionCount = air.transitionConstraintDegrees.count
        auxiliaryWidth = air.auxiliaryWidth
        auxiliaryChallengeCount = air.auxiliaryChallengeCount
        auxiliaryTransitionCount = air.auxiliaryConstraintDegrees.count
        guard maskedCoefficientCount < domainSize else {
            throw .constraintDegreeTooHigh(
                "a trace of \(n) rows plus \(randomizerCount) zero-knowledge randomisers does not fit a blowup of "
                    + "\(options.blowupFactor); use a longer trace or a larger blowup")
        }
        // Transition quotients divide by Z(x) = (xⁿ − 1)/(x − g^(n−1)) of degree n − 1;
        // boundary quotients divide by (x − g^row).
        var coefficients = maskedCoefficientCount - 1
        // Auxiliary polynomials are masked like main ones: the same degree bound n + h.
        for degree in air.transitionConstraintDegrees + air.auxiliaryConstraintDegrees {
            let numerator = degree.degree(traceDegreeBound: maskedCoefficientCount, traceLength: n)
            coefficients = max(coefficients, numerator - (n - 1) + 1)
        }
        compositionCoefficientCount = coefficients
        guard coefficients <= domainSize else {
            throw .constraintDegreeTooHigh(
                "the composition polynomial needs \(coefficients) coefficients but the evaluation domain has "
                    + "\(domainSize) points (\(n) rows × blowup \(options.blowupFactor)); raise the blowup or, "
                    + "since each trace polynomial carries \(randomizerCount) randomisers, use a longer trace")
        }
        segmentCount = max(2, (coefficients + n - 1) / n)
        deepCoefficientCount = maskedCoefficientCount - 1
        var degreeBound = deepCoefficientCount
        var layers = 0
        while degreeBound > options.friRemainderMaxDegree + 1 {
            degreeBound = (degreeBound + options.friFoldingFactor - 1) / options.friFoldingFactor
            layers += 1
        }
        friLayerCount = layers
        remainderCoefficientCount = degreeBound
    }
}
