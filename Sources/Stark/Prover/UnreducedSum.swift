import StarkMath

/// A sum of Goldilocks products kept as the sum of their 128-bit products' low words and the
/// sum of their high words (`high`·2⁶⁴ + `low`), reduced once at the end. Neither sum can
/// overflow for fewer than 2⁶⁴ products. The prover's dot products (opened rows, the
/// composition's α-sum) use it instead of reducing every product.
struct UnreducedSum {
    var low: UInt128 = 0
    var high: UInt128 = 0

    /// Adds Σⱼ values[j·stride]·factors[j] for j < count (canonical words).
    ///
    /// Branch-free on purpose: one 128-bit sum with a carry count compiled to a branch
    /// on each carry, which random field elements take about every other product, and
    /// ran several times slower in the prover than in a loop over repeated data.
    @inline(__always)
    mutating func add(_ values: UnsafePointer<UInt64>, stride: Int, times factors: UnsafePointer<UInt64>, count: Int) {
        var (low, high) = (self.low, self.high)
        for j in 0..<count {
            let (productHigh, productLow) = values[j * stride].multipliedFullWidth(by: factors[j])
            low &+= UInt128(productLow)
            high &+= UInt128(productHigh)
        }
        (self.low, self.high) = (low, high)
    }

    /// The sum mod p; 2⁶⁴ ≡ 2³² − 1 (mod p).
    var reduced: Goldilocks {
        Self.reduce(low) + Self.reduce(high) * Goldilocks(reducing: (1 << 32) - 1)
    }

    static func reduce(_ value: UInt128) -> Goldilocks {
        Goldilocks(reducingHigh: UInt64(truncatingIfNeeded: value >> 64), low: UInt64(truncatingIfNeeded: value))
    }
}
