import CGoldilocksVector

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whether base-field and cubic-extension NTTs run their butterflies, and batches of RPO
/// permutations (StarkCrypto's `RPO256.permute(_:)` on a buffer) run, in the C kernels
/// (`CGoldilocksVector`), eight at a time with AVX-512.
///
/// Swift has no 64×64→128-bit vector product, so the generic butterflies run one at a time;
/// the kernels build it from four 32-bit products per lane. They give the same canonical
/// values as the generic code (tested), and run only where the processor has AVX-512.
/// `CLOISTER_SCALAR_NTT=1` in the environment turns them all off, to compare.
public enum GoldilocksVector {
    /// AVX-512 is present and `CLOISTER_SCALAR_NTT` is not set.
    public static let isEnabled: Bool = cloister_goldilocks_vector_available() == 1 && getenv("CLOISTER_SCALAR_NTT") == nil
}
