import StarkCrypto
import StarkMath

/// The RPO round as a two-row relation, shared by the three hash lanes of the batch AIR.
///
/// Round r maps s to s' with s'⁷ = MDS((MDS(s) + c1ᵣ)⁷) + c2ᵣ: the inverse S-box is
/// checked forwards, so the relation has degree 7. Round constants come from the
/// periodic columns (first constants at 1…12, second at 13…24, as in `RPOChainAIR`).
enum RPOInAIR {
    static let mdsRow:
        (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (7, 23, 8, 26, 13, 10, 9, 7, 6, 22, 21, 8)

    /// residual[i] = next[i]⁷ − MDS((MDS(cur) + c1)⁷)[i] − c2[i]; `scratch` holds 24 elements.
    @inline(__always)
    static func roundResidual<E: FieldElement>(
        _ cur: UnsafePointer<E>, _ next: UnsafePointer<E>, _ periodic: UnsafePointer<E>,
        _ residual: UnsafeMutablePointer<E>, _ scratch: UnsafeMutablePointer<E>,
        mds: (UnsafePointer<E>, UnsafeMutablePointer<E>) -> Void
    ) {
        let mixed = scratch
        let powered = scratch + 12
        mds(cur, mixed)
        for lane in 0..<12 {
            let x = mixed[lane] + periodic[1 + lane]
            let x2 = x.squared()
            powered[lane] = x2.squared() * x2 * x
        }
        mds(UnsafePointer(powered), mixed)
        for lane in 0..<12 {
            let y = next[lane]
            let y2 = y.squared()
            residual[lane] = y2.squared() * y2 * y - mixed[lane] - periodic[13 + lane]
        }
    }

    /// out[i] = Σⱼ M[(j − i) mod 12]·in[j] over any field element type.
    @inline(__always)
    static func multiplyMDS<E: FieldElement>(_ input: UnsafePointer<E>, _ output: UnsafeMutablePointer<E>) {
        withUnsafeBytes(of: mdsRow) { raw in
            for i in 0..<12 {
                var sum = E.zero
                for j in 0..<12 {
                    let entry = raw.load(fromByteOffset: 8 * ((j + 12 - i) % 12), as: UInt64.self)
                    sum += input[j] * Goldilocks(reducing: entry)
                }
                output[i] = sum
            }
        }
    }

    /// The same over Goldilocks without per-product reductions: inputs split into 32-bit
    /// halves, each half's row sum stays below 2⁴¹, recombined and reduced once.
    @inline(__always)
    static func multiplyMDSBase(_ input: UnsafePointer<Goldilocks>, _ output: UnsafeMutablePointer<Goldilocks>) {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 48) { scratch in
            let low = scratch.baseAddress!
            let high = low + 12
            let entries = low + 24
            withUnsafeBytes(of: mdsRow) { raw in
                for k in 0..<12 {
                    let entry = raw.load(fromByteOffset: 8 * k, as: UInt64.self)
                    entries[k] = entry
                    entries[k + 12] = entry
                }
            }
            for j in 0..<12 {
                let word = input[j].value
                low[j] = word & 0xFFFF_FFFF
                high[j] = word >> 32
            }
            for i in 0..<12 {
                let shifted = entries + (12 - i) % 12
                var lowSum: UInt64 = 0
                var highSum: UInt64 = 0
                for j in 0..<12 {
                    lowSum &+= low[j] &* shifted[j]
                    highSum &+= high[j] &* shifted[j]
                }
                let (sum, carry) = lowSum.addingReportingOverflow(highSum << 32)
                output[i] = Goldilocks(reducingHigh: (highSum >> 32) &+ (carry ? 1 : 0), low: sum)
            }
        }
    }
}
