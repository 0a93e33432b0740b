import ArgumentParser
import Foundation
import Stark

/// `cloister proof security`: what the proof system's options are worth, in bits, computed the
/// way the verifier computes it before it accepts a proof. `cloister proof bench`: how fast
/// this machine proves and verifies batches of transfers.
struct ProofCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proof", abstract: "The validity-proof system.", subcommands: [Security.self, Bench.self])

    struct Security: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the security of the proof options a prover uses for a trace length, and the verifier's minimum.")

        @Option(help: "Trace length in rows (a power of two), e.g. 131072 for 256 batched transfers.")
        var traceLength: Int = 1 << 17

        func validate() throws {
            guard traceLength >= 8, traceLength & (traceLength - 1) == 0, traceLength <= 1 << 30 else {
                throw ValidationError("--trace-length must be a power of two between 8 and 2^30")
            }
        }

        func run() async throws {
            let options = ProofOptions.recommended(forTraceLength: traceLength)
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

    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove and verify synthetic batches of transfers; print prove time, proof size and verify time.")

        @Option(help: "Comma-separated batch sizes in transfers (each 2 to 4096).")
        var transfers: String = "16,64,256"

        @Option(help: "Proofs per batch size (the report shows the median).")
        var runs: Int = 3

        @Option(help: "Verifications per batch size.")
        var verifyRuns: Int = 20

        @Option(help: "Funded accounts in the batch's genesis state (2 to 10000000).")
        var accounts: Int = ProofBench.defaultAccounts

        @Option(help: "Who pays whom: cycle (the default: a fixed cycle over the accounts), hot (among the first 2,000 accounts) or uniform (over all accounts).")
        var pattern: ProofBench.Pattern = .cycle

        @Option(help: "Which batch AIR: v3 (the multi-update, the default) or v2 (two paths per operation).")
        var air: ProofBench.AIRVersion = .v3

        @Option(help: "Also write the figures as JSON to this file.")
        var json: String?

        func parsedCounts() throws -> [Int] {
            let counts = transfers.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !counts.isEmpty, counts.allSatisfy({ $0.map { (2...4096).contains($0) } ?? false }) else {
                throw ValidationError("--transfers must be a comma-separated list of numbers from 2 to 4096, e.g. 16,64,256")
            }
            return counts.compactMap { $0 }
        }

        func validate() throws {
            _ = try parsedCounts()
            guard (1...100).contains(runs), (1...10_000).contains(verifyRuns) else {
                throw ValidationError("--runs must be 1 to 100 and --verify-runs 1 to 10000")
            }
            guard (2...10_000_000).contains(accounts) else {
                throw ValidationError("--accounts must be 2 to 10000000 (a transfer needs two accounts)")
            }
        }

        func run() async throws {
            let cores = ProcessInfo.processInfo.activeProcessorCount
            let bench = ProofBench(
                transferCounts: try parsedCounts(), proofRuns: runs, verifyRuns: verifyRuns, accounts: accounts, pattern: pattern,
                air: air)
            let measurements = try bench.run { status in
                FileHandle.standardError.write(Data(("  " + status + "\n").utf8))
            }
            print(ProofBench.table(measurements, cores: cores, accounts: accounts, pattern: pattern))
            if let json {
                do {
                    try ProofBench.json(measurements, cores: cores, accounts: accounts, pattern: pattern)
                        .write(toFile: json, atomically: true, encoding: .utf8)
                } catch {
                    throw CommandFailure("could not write \(json): \(error.localizedDescription)")
                }
            }
        }
    }
}

extension ProofBench.Pattern: ExpressibleByArgument {}
extension ProofBench.AIRVersion: ExpressibleByArgument {}
