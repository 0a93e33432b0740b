import ArgumentParser
import BatchProof
import Foundation
import Settlement

/// `cloister verify --l1 URL [--batch N]`: checks the validity proofs an L1 holds against the
/// public fields it holds, with no access to any node. Exit status 1 when a proof is refused.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the batch proofs an L1 holds, from its public data alone (no node needed).")

    @Option(name: .customLong("l1"), help: "URL of the L1 (a `cloister l1` service or a node's embedded one).")
    var url: String = "http://127.0.0.1:8547"

    @Option(help: "Only this batch.")
    var batch: UInt64?

    func run() async throws {
        guard let base = URL(string: url), base.scheme == "http" || base.scheme == "https" else {
            throw CommandFailure("--l1 \(url): give the L1's URL, e.g. http://127.0.0.1:8547")
        }
        let l1 = HTTPL1Client(baseURL: base, operatorKey: nil)
        let verifier = StarkBatchVerifier()
        let results: [(batch: UInt64, outcome: IndependentVerification.Outcome)]
        do {
            results = try await IndependentVerification.check(l1: l1, batches: batch.map { $0...$0 }, verifier: verifier)
        } catch {
            throw CommandFailure("cannot read the L1 at \(url): \(error.message)")
        }
        var refused = 0
        var verified = 0
        for (number, outcome) in results {
            switch outcome {
            case .verified:
                verified += 1
                print("batch \(number): verified")
            case .noProof(let status):
                print("batch \(number): no proof yet (\(status))")
            case .refused(let reason):
                refused += 1
                print("batch \(number): REFUSED: \(reason)")
            }
        }
        if let batch, results.isEmpty { throw CommandFailure("the L1 at \(url) holds no batch \(batch)") }
        print("\(results.count) batches: \(verified) verified, \(refused) refused, \(results.count - verified - refused) without proof; verifier \(verifier.name)")
        if refused > 0 { throw ExitCode(1) }
    }
}
