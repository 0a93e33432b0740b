import ArgumentParser
import Disclosure
import Foundation
import Settlement

/// `cloister disclosure verify FILE --l1 URL`: checks a disclosure a member handed over against
/// the L1 alone and says in plain words what it proves, or why it is refused (exit status 1).
struct DisclosureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disclosure",
        abstract: "Check a member's selective disclosure against the L1 (docs/DISCLOSURE.md).",
        subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a disclosure file against the L1's public record of its batch; no node is asked.")

        @Argument(help: "The disclosure (JSON, as cloister_getBalanceProof returned it).")
        var file: String

        @Option(name: .customLong("l1"), help: "URL of the L1 (a `cloister l1` service or a node's embedded one).")
        var url: String = "http://127.0.0.1:8547"

        func run() async throws {
            guard let base = URL(string: url), base.scheme == "http" || base.scheme == "https" else {
                throw CommandFailure("--l1 \(url): give the L1's URL, e.g. http://127.0.0.1:8547")
            }
            guard let data = FileManager.default.contents(atPath: file) else { throw CommandFailure("cannot read \(file)") }
            let disclosure: BalanceDisclosure
            do { disclosure = try JSONDecoder().decode(BalanceDisclosure.self, from: data) } catch {
                print("REFUSED: \(file) is not a balance disclosure (\(BalanceDisclosure.format)): \(error)")
                throw ExitCode(1)
            }
            let record: L1BatchRecord?
            do { record = try await HTTPL1Client(baseURL: base, operatorKey: nil).batch(disclosure.batch) } catch {
                throw CommandFailure("cannot read batch \(disclosure.batch) from the L1 at \(url): \(error.message)")
            }
            do {
                let facts = try DisclosureVerifier.verify(disclosure, l1Record: record)
                print("VERIFIED: \(facts.sentence)")
                print("checked against the L1 at \(url): batch \(facts.batch) is executed and its state root is the disclosed one")
            } catch {
                print("REFUSED (\(error.kind.rawValue)): \(error.message)")
                throw ExitCode(1)
            }
        }
    }
}
