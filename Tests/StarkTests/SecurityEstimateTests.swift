import Testing

@testable import Stark

@Suite("Security estimate")
struct SecurityEstimateTests {
    @Test func defaultOptionsReachHundredProvenBits() {
        for logLength in 11...22 {
            let estimate = SecurityEstimate(options: .default, traceLength: 1 << logLength)
            #expect(
                estimate.provenListDecodingBits >= 100,
                "2^\(logLength) rows: \(estimate)")
            #expect(estimate.conjecturedBits >= 100)
        }
        // The reference statement: 2^16 RPO permutations, 2^19 rows.
        let reference = SecurityEstimate(options: .default, traceLength: 1 << 19)
        #expect(reference.provenListDecodingBits >= 100)
        #expect(reference.provenBits == reference.provenListDecodingBits)
    }

    /// The compact options keep 100 proven bits wherever they are recommended (and from
    /// 2¹² rows on), the recommendation switches to them at 2¹⁹ rows, and each length gets
    /// the fewest queries that keep 100 proven bits (one fewer from 2¹⁴ to 2¹⁹ rows).
    @Test func compactOptionsReachHundredProvenBitsWhereRecommended() {
        for logLength in 12...24 {
            let estimate = SecurityEstimate(options: .compact, traceLength: 1 << logLength)
            #expect(estimate.provenListDecodingBits >= 100, "2^\(logLength) rows: \(estimate)")
            #expect(estimate.conjecturedBits >= 100)
            let fitted = ProofOptions.compact(forTraceLength: 1 << logLength)
            let fittedEstimate = SecurityEstimate(options: fitted, traceLength: 1 << logLength)
            #expect(fittedEstimate.provenBits >= 100, "2^\(logLength) rows: \(fittedEstimate)")
            #expect(fittedEstimate.conjecturedBits >= 100)
            #expect(fitted.grindingBits == ProofOptions.compact.grindingBits)
            // One query fewer would fall below the minimum.
            let fewer = try! ProofOptions(
                fieldExtension: .cubic, blowupFactor: 8, queryCount: fitted.queryCount - 1, grindingBits: fitted.grindingBits,
                friFoldingFactor: 8, friRemainderMaxDegree: 255)
            #expect(SecurityEstimate(options: fewer, traceLength: 1 << logLength).provenBits < 100)
        }
        #expect(ProofOptions.recommended(forTraceLength: 1 << 18) == .default)
        #expect(ProofOptions.compact(forTraceLength: 1 << 17).queryCount == 51)
        #expect(ProofOptions.recommended(forTraceLength: 1 << 19).queryCount == 51)
        #expect(ProofOptions.recommended(forTraceLength: 1 << 20) == .compact)
        #expect(ProofOptions.compact.queryCount < ProofOptions.default.queryCount)
    }

    /// Figures computed by hand from the formulas (and equal to winterfell's own test
    /// figures, which use the same method, for proofs without masking).
    @Test func estimatorMatchesHandComputedFigures() {
        // Quadratic, blowup 4, 119 queries, 20 bits, folding 2, 2^20 rows.
        let quadratic = SecurityEstimate(
            extensionDegree: 2, blowupFactor: 4, queryCount: 119, grindingBits: 20, friFoldingFactor: 2,
            traceLength: 1 << 20, randomizerCount: 0)
        #expect(quadratic.provenUniqueDecodingBits == 100)
        #expect(quadratic.provenListDecodingBits == 69)
        // The same with the cubic extension and 81 queries: list decoding reaches 100.
        let cubic = SecurityEstimate(
            extensionDegree: 3, blowupFactor: 4, queryCount: 81, grindingBits: 20, friFoldingFactor: 2,
            traceLength: 1 << 20, randomizerCount: 0)
        #expect(cubic.provenListDecodingBits == 100)
        // Unique decoding, 2^8 rows, blowup 8, 123 queries, 16 bits: the DEEP term
        // 128 − log2(9·257 + 255) = 116.6 binds with folding 2; with folding 4 the FRI
        // layer term 128 − log2(3·2049) = 115.4 does.
        let folding2 = SecurityEstimate(
            extensionDegree: 2, blowupFactor: 8, queryCount: 123, grindingBits: 16, friFoldingFactor: 2,
            traceLength: 1 << 8, randomizerCount: 0)
        #expect(folding2.provenUniqueDecodingBits == 116)
        let folding4 = SecurityEstimate(
            extensionDegree: 2, blowupFactor: 8, queryCount: 123, grindingBits: 16, friFoldingFactor: 4,
            traceLength: 1 << 8, randomizerCount: 0)
        #expect(folding4.provenUniqueDecodingBits == 115)
        // Conjectured, quadratic, blowup 8, 32 queries, 16 bits, 2^16 rows:
        // field 128 − 19 = 109; queries 3·32 = 96 ≥ 80 so + 16 = 112; min − 1 = 108.
        let conjectured = SecurityEstimate(
            extensionDegree: 2, blowupFactor: 8, queryCount: 32, grindingBits: 16, friFoldingFactor: 8,
            traceLength: 1 << 16, randomizerCount: 0)
        #expect(conjectured.conjecturedBits == 108)
    }

    @Test func maskingLowersTheRateAndTheEstimate() {
        let plain = SecurityEstimate(
            extensionDegree: 3, blowupFactor: 8, queryCount: 57, grindingBits: 20, friFoldingFactor: 8,
            traceLength: 1 << 10, randomizerCount: 0)
        let masked = SecurityEstimate(options: .default, traceLength: 1 << 10)
        #expect(masked.provenListDecodingBits < plain.provenListDecodingBits)
        // Tiny traces are dominated by the randomisers: the verifier's minimum refuses them.
        #expect(SecurityEstimate(options: .default, traceLength: 64).provenBits < 100)
    }
}
