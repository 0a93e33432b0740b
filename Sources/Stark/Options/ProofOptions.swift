import StarkMath

/// The extension field STARK challenges (and out-of-domain values) are drawn from.
public enum FieldExtension: UInt8, Sendable, Hashable, CaseIterable {
    /// p² ≈ 2¹²⁸: enough for ~100 conjectured bits, not for 100 proven bits.
    case quadratic = 2
    /// p³ ≈ 2¹⁹²: what 100 proven (list-decoding) bits need.
    case cubic = 3

    /// How many Goldilocks coordinates one challenge has.
    public var degree: Int { Int(rawValue) }
}

/// The parameters of one proof: they fix soundness, size and proving cost.
///
/// Every field is absorbed into the Fiat–Shamir transcript before the first challenge,
/// and a verifier checks them against its own ``AcceptableOptions`` instead of trusting
/// them. ``default`` reaches ≥ 100 proven bits (list-decoding regime) for traces of
/// 2¹¹ rows and more (see ``SecurityEstimate``).
public struct ProofOptions: Sendable, Hashable, CustomStringConvertible {
    public let fieldExtension: FieldExtension
    /// Evaluation domain size / trace length (power of two, 2…64).
    public let blowupFactor: Int
    /// Number of FRI query positions drawn (1…255).
    public let queryCount: Int
    /// Leading zero bits the proof-of-work hash must have (0…32).
    public let grindingBits: Int
    /// How many FRI values fold into one per layer (2, 4, 8 or 16).
    public let friFoldingFactor: Int
    /// The FRI remainder is sent as at most `friRemainderMaxDegree + 1` coefficients
    /// (one less than a power of two, 0…1023).
    public let friRemainderMaxDegree: Int

    /// Cubic extension, blowup 8, 57 queries, 20 grinding bits, folding 8, remainder ≤ 255:
    /// ~104 proven bits for a 2¹⁶-row trace (proof.md's "prefer proven security").
    public static let `default` = try! ProofOptions(
        fieldExtension: .cubic, blowupFactor: 8, queryCount: 57, grindingBits: 20, friFoldingFactor: 8,
        friRemainderMaxDegree: 255)

    /// Cubic extension, blowup 8, 52 queries, 24 grinding bits, folding 8, remainder ≤ 255:
    /// ~101 proven bits from 2¹² rows. Each query costs the proof about 4.8 KiB at 2²⁰ rows
    /// (a row of every committed segment, its salts, a Merkle path per tree and a coset per
    /// FRI layer), so five fewer make it about 9 % smaller; the four extra grinding bits cost
    /// about 2²⁴ SHA-256 hashes (about a second on two cores).
    public static let compact = try! ProofOptions(
        fieldExtension: .cubic, blowupFactor: 8, queryCount: 52, grindingBits: 24, friFoldingFactor: 8,
        friRemainderMaxDegree: 255)

    /// From this many rows a prover uses compact options (``compact(forTraceLength:)``):
    /// there their second of grinding is a few percent of the proof (a 2¹⁹-row proof takes
    /// about 25 s here), where on a 2¹⁶-row proof (about 2 s) it would add half. A prover
    /// whose rows are wide may take them sooner (the batch prover's wide layout does).
    public static let compactFromTraceLength = 1 << 19

    /// ``compact``'s 24 grinding bits with the fewest queries (down to four fewer than its
    /// 52) that still give the verifier's minimum of proven bits at `traceLength` rows: 51
    /// from 2¹⁴ to 2¹⁹ rows, 52 outside. Each query costs a 2¹⁷-row wide batch proof about
    /// 4.8 KiB, so this keeps it within 256 KiB.
    public static func compact(forTraceLength traceLength: Int) -> ProofOptions {
        var best = compact
        for queries in stride(from: compact.queryCount - 1, through: compact.queryCount - 4, by: -1) {
            let options = try! ProofOptions(
                fieldExtension: compact.fieldExtension, blowupFactor: compact.blowupFactor, queryCount: queries,
                grindingBits: compact.grindingBits, friFoldingFactor: compact.friFoldingFactor,
                friRemainderMaxDegree: compact.friRemainderMaxDegree)
            let estimate = SecurityEstimate(options: options, traceLength: traceLength)
            guard estimate.provenBits >= AcceptableOptions.default.minimumProvenBits,
                estimate.conjecturedBits >= AcceptableOptions.default.minimumConjecturedBits
            else { break }
            best = options
        }
        return best
    }

    /// The options a prover uses for a trace of `traceLength` rows:
    /// ``compact(forTraceLength:)`` from ``compactFromTraceLength`` rows, ``default``
    /// below. Verifiers accept either (each meets ``AcceptableOptions/default`` for the
    /// lengths it is used at).
    public static func recommended(forTraceLength traceLength: Int) -> ProofOptions {
        traceLength >= compactFromTraceLength ? compact(forTraceLength: traceLength) : .default
    }

    /// - Throws: ``StarkError/invalidOptions(_:)`` naming the first option out of range.
    public init(
        fieldExtension: FieldExtension, blowupFactor: Int, queryCount: Int, grindingBits: Int,
        friFoldingFactor: Int, friRemainderMaxDegree: Int
    ) throws(StarkError) {
        guard blowupFactor >= 2, blowupFactor <= 64, blowupFactor & (blowupFactor - 1) == 0 else {
            throw .invalidOptions("blowup factor \(blowupFactor) must be a power of two in 2...64")
        }
        guard queryCount >= 1, queryCount <= 255 else {
            throw .invalidOptions("query count \(queryCount) must be in 1...255")
        }
        guard grindingBits >= 0, grindingBits <= 32 else {
            throw .invalidOptions("grinding bits \(grindingBits) must be in 0...32")
        }
        guard [2, 4, 8, 16].contains(friFoldingFactor) else {
            throw .invalidOptions("FRI folding factor \(friFoldingFactor) must be 2, 4, 8 or 16")
        }
        guard friRemainderMaxDegree >= 0, friRemainderMaxDegree <= 1023,
            (friRemainderMaxDegree + 1) & friRemainderMaxDegree == 0
        else {
            throw .invalidOptions(
                "FRI remainder max degree \(friRemainderMaxDegree) must be one less than a power of two, at most 1023")
        }
        self.fieldExtension = fieldExtension
        self.blowupFactor = blowupFactor
        self.queryCount = queryCount
        self.grindingBits = grindingBits
        self.friFoldingFactor = friFoldingFactor
        self.friRemainderMaxDegree = friRemainderMaxDegree
    }

    /// How many random coefficients mask each trace polynomial (and each composition
    /// segment) for zero knowledge.
    ///
    /// Each masked polynomial is revealed at `queryCount` points of the evaluation domain
    /// and at two out-of-domain points whose values have `d` base-field coordinates each:
    /// `q + 2d` linear functionals of its coefficients. Masking with at least that many
    /// uniformly random coefficients makes the revealed values uniform (Haböck & Al Kindi,
    /// eprint 2024/1037). We take `2(d + q)`: the bound with a factor-two margin.
    public var randomizerCount: Int { 2 * (fieldExtension.degree + queryCount) }

    public var description: String {
        "\(fieldExtension) extension, blowup \(blowupFactor), \(queryCount) queries, \(grindingBits) grinding bits, "
            + "FRI folding \(friFoldingFactor), remainder degree ≤ \(friRemainderMaxDegree)"
    }
}

/// The weakest proofs a verifier accepts, whatever a proof claims about itself.
///
/// The verifier recomputes the security of the proof's options for the AIR's trace
/// length with ``SecurityEstimate`` and refuses the proof below these floors.
public struct AcceptableOptions: Sendable, Hashable {
    /// Minimum proven (list- or unique-decoding) security in bits.
    public let minimumProvenBits: Int
    /// Minimum conjectured security in bits.
    public let minimumConjecturedBits: Int

    /// 100 proven bits and 100 conjectured bits.
    public static let `default` = AcceptableOptions(minimumProvenBits: 100, minimumConjecturedBits: 100)

    public init(minimumProvenBits: Int, minimumConjecturedBits: Int) {
        self.minimumProvenBits = minimumProvenBits
        self.minimumConjecturedBits = minimumConjecturedBits
    }
}
