import ArgumentParser
import Stark

/// `cloister proof security`: what the proof system's options are worth, in bits, computed the
/// way the verifier computes it before it accepts a proof.
struct ProofCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proof", abstract: "The validity-proof system.", subcommands: [Security.self])

    struct Security: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the security of the default proof options for a trace length, and the verifier's minimum.")

        @Option(help: "Trace length in rows (a power of two), e.g. 131072 for 256 batched transfers.")
        var traceLength: Int = 1 << 17

        func validate() throws {
            guard traceLength >= 8, traceLength & (traceLength - 1) == 0, traceLength <= 1 << 30 else {
                throw ValidationError("--trace-length must be a power of two between 8 and 2^30")
            }
        }

        func run() async throws {
            let options = ProofOptions.default
            let estimate = SecurityEstimate(options: options, traceLength: traceLength)
            let minimum = AcceptableOptions.default
            print("options:            \(options)")
            print("trace length:       2^\(traceLength.trailingZeroBitCount) rows")
            print("conjectured:        \(estimate.conjecturedBits) bits")
            print("proven (list dec.): \(estimate.provenListDecodingBits) bits")
            print("proven (unique):    \(estimate.provenUniqueDecodingBits) bits")
            print(
                "verifier minimum:   \(minimum.minimumProvenBits) proven, \(minimum.minimumConjecturedBits) conjectured: "
                    + (estimate.provenBits >= minimum.minimumProvenBits && estimate.conjecturedBits >= minimum.minimumConjecturedBits
                        ? "met" : "NOT met (a proof of this length would be refused)"))
        }
    }
}
