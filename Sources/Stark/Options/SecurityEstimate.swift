#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How many bits of security a proof with given options has, computed the way
/// winterfell does (`air/src/proof/security.rs`): conjectured security under the
/// ethSTARK conjecture (eprint 2021/582, eq. 19), and proven round-by-round security in
/// the list-decoding regime (eprint 2024/1553, Theorem 2) and the unique-decoding regime
/// (Theorem 3). Hash collision resistance (SHA-256: 128 bits) caps every figure.
///
/// One generalisation: zero-knowledge masking raises the degree of every committed
/// polynomial from n − 1 to n + h − 1 (h = ``ProofOptions/randomizerCount``), so the code
/// rate is ρ = (n + h) / N instead of 1 / blowup, and n + h stands where winterfell
/// uses the trace length. With h = 0 the figures are exactly winterfell's.
///
/// An auxiliary segment (bus / LogUp arguments) adds one more round: its challenges are
/// drawn after the main commitment, and a cheating main trace passes only if they hit a
/// root of the argument's identity. For a LogUp-style accumulator that identity, with
/// denominators cleared, is a polynomial in the challenge of degree at most
/// D = n · (auxiliary columns) · (largest auxiliary constraint degree), so by
/// Schwartz–Zippel the error is at most D / |E|. ``auxiliaryArgumentBits`` is
/// log₂(|E| / D) and caps every figure: with the quadratic extension about 128 − log₂ D
/// bits (~106 for 2²⁰ rows), with the cubic about 192 − log₂ D, so AIRs with an
/// auxiliary segment should use the cubic extension. An AIR whose auxiliary argument has
/// another error bound must document it.
///
/// The verifier uses this to refuse weak proofs; the CLI prints it.
public struct SecurityEstimate: Sendable, Hashable, CustomStringConvertible {
    /// Security under the (optimistic) ethSTARK conjecture.
    public let conjecturedBits: Int
    /// Proven round-by-round security, list-decoding regime.
    public let provenListDecodingBits: Int
    /// Proven round-by-round security, unique-decoding regime.
    public let provenUniqueDecodingBits: Int
    /// Soundness of the auxiliary segment's challenges (already included in the figures
    /// above); `nil` without an auxiliary segment.
    public let auxiliaryArgumentBits: Int?

    /// The better of the two proven figures (each is a valid bound on its own).
    public var provenBits: Int { max(provenListDecodingBits, provenUniqueDecodingBits) }

    /// Collision resistance of SHA-256, the commitment and Fiat–Shamir hash.
    public static let hashCollisionResistanceBits = 128
    static let baseFieldBits = 64

    /// The estimate for `options` on a trace of `traceLength` rows (randomisers included).
    public init(options: ProofOptions, traceLength: Int) {
        self.init(
            extensionDegree: options.fieldExtension.degree, blowupFactor: options.blowupFactor,
            queryCount: options.queryCount, grindingBits: options.grindingBits,
            friFoldingFactor: options.friFoldingFactor, traceLength: traceLength,
            randomizerCount: options.randomizerCount)
    }

    /// The estimate for `options` and this AIR: as ``init(options:traceLength:)``, capped
    /// by the auxiliary argument's bound if the AIR has an auxiliary segment.
    public init(options: ProofOptions, air: some AIR) {
        let maximumDegree = air.auxiliaryConstraintDegrees.map(\.base).max() ?? 1
        self.init(
            extensionDegree: options.fieldExtension.degree, blowupFactor: options.blowupFactor,
            queryCount: options.queryCount, grindingBits: options.grindingBits,
            friFoldingFactor: options.friFoldingFactor, traceLength: air.traceLength,
            randomizerCount: options.randomizerCount,
            auxiliaryArgumentDegree: air.auxiliaryWidth > 0 ? air.traceLength * air.auxiliaryWidth * maximumDegree : 0)
    }

    /// The estimate from raw parameters (`randomizerCount: 0` reproduces winterfell's
    /// figures for proofs without zero knowledge).
    /// - Parameter auxiliaryArgumentDegree: D, the degree in the auxiliary challenge of
    ///   the identity an auxiliary argument checks (0: no auxiliary segment).
    public init(
        extensionDegree: Int, blowupFactor: Int, queryCount: Int, grindingBits: Int, friFoldingFactor: Int,
        traceLength: Int, randomizerCount: Int, auxiliaryArgumentDegree: Int = 0
    ) {
        let parameters = Parameters(
            extensionBits: Double(Self.baseFieldBits * extensionDegree),
            domainSize: Double(traceLength * blowupFactor),
            degreeBound: Double(traceLength + randomizerCount),
            blowup: Double(blowupFactor), queries: Double(queryCount), grinding: Double(grindingBits),
            folding: Double(friFoldingFactor))
        // The auxiliary argument's bound caps every figure (the hash bound when there is none).
        var cap = Self.hashCollisionResistanceBits
        if auxiliaryArgumentDegree > 0 {
            let bits = Int((parameters.extensionBits - log2(Double(auxiliaryArgumentDegree))).rounded(.down))
            cap = min(max(0, bits), cap)
            auxiliaryArgumentBits = cap
        } else {
            auxiliaryArgumentBits = nil
        }
        conjecturedBits = min(Self.conjectured(parameters), cap)
        provenUniqueDecodingBits = min(Self.uniqueDecoding(parameters), cap)
        let upperProximity = Self.largestProximityParameter(degreeBound: parameters.degreeBound)
        var best = 0
        if upperProximity > 3 {
            for m in 3..<upperProximity { best = max(best, Self.listDecoding(parameters, proximity: Double(m))) }
        }
        provenListDecodingBits = min(best, cap)
    }

    public var description: String {
        "\(provenBits) bits proven (list decoding \(provenListDecodingBits), unique decoding "
            + "\(provenUniqueDecodingBits)), \(conjecturedBits) bits conjectured"
    }

    struct Parameters {
        let extensionBits: Double
        let domainSize: Double
        let degreeBound: Double
        let blowup: Double
        let queries: Double
        let grinding: Double
        let folding: Double
        var rate: Double { degreeBound / domainSize }
    }

    /// min(field security, query security) − 1; grinding counts only once the queries
    /// alone give 80 bits.
    static func conjectured(_ p: Parameters) -> Int {
        let fieldSecurity = Int(p.extensionBits) - Int(log2(p.domainSize))
        var querySecurity = Int((p.queries * -log2(p.rate)).rounded(.down))
        if querySecurity >= 80 { querySecurity += Int(p.grinding) }
        return max(0, min(fieldSecurity, querySecurity) - 1)
    }

    /// Round-by-round error of the protocol for proximity parameter m (list decoding).
    static func listDecoding(_ p: Parameters, proximity m: Double) -> Int {
        let rho = p.rate
        let alpha = (1 + 0.5 / m) * rho.squareRoot()
        let maxDegree = p.blowup + 1
        let openings = 2.0
        let listSize = m / (rho - 2 * m / p.domainSize)
        guard listSize > 0 else { return 0 }
        let algebraicLinking = p.extensionBits - log2(listSize)
        let deep =
            p.extensionBits
            - log2(listSize * listSize * (maxDegree * (p.degreeBound + openings - 1) + (p.degreeBound - 1)))
        let friCommit =
            p.extensionBits - log2(0.5 * pow(m + 0.5, 7) / pow(rho, 1.5) * p.domainSize * p.domainSize)
        let friQuery = p.grinding - p.queries * log2(alpha)
        let bits = min(algebraicLinking, deep, friCommit, friQuery)
        return bits <= 0 ? 0 : Int(bits.rounded(.down))
    }

    /// Round-by-round error of the protocol in the unique-decoding regime.
    static func uniqueDecoding(_ p: Parameters) -> Int {
        let openings = 2.0
        let ratePlus = (p.degreeBound + openings) / p.domainSize
        let alpha = (1 + ratePlus) / 2
        let maxDegree = p.blowup + 1
        let deep = p.extensionBits - log2(maxDegree * (p.degreeBound + openings - 1) + (p.degreeBound - 1))
        let friCommit = p.extensionBits - log2(p.domainSize)
        let friLayers = p.extensionBits - log2((p.folding - 1) * (p.domainSize + 1))
        let friQuery = p.grinding - p.queries * log2(alpha)
        let bits = min(p.extensionBits, deep, friCommit, friLayers, friQuery)
        return bits <= 0 ? 0 : Int(bits.rounded(.down))
    }

    /// The largest m keeping the slackness η of eprint 2021/582 Theorem 1 positive,
    /// capped at 1000 (larger m only weakens the commit-phase bound).
    static func largestProximityParameter(degreeBound: Double) -> Int {
        let ratio = (degreeBound + 2) / degreeBound
        let upper = (1 / (2 * (ratio.squareRoot() - 1))).rounded(.up)
        return Int(min(upper, 1000))
    }
}
