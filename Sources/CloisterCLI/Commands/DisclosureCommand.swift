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

        @Argument(help: "The disclosure (JSON, as cloister_getBalanceProof or cloister_getTransactionProof returned it).")
        var file: String

        @Option(name: .customLong("l1"), help: "URL of the L1 (a `cloister l1` service or a node's embedded one).")
        var url: String = "http://127.0.0.1:8547"

        func run() async throws {
            guard let base = URL(string: url), base.scheme == "http" || base.scheme == "https" else {
                throw CommandFailure("--l1 \(url): give the L1's URL, e.g. http://127.0.0.1:8547")
            }
            guard let data = FileManager.default.contents(atPath: file) else { throw CommandFailure("cannot read \(file)") }
            /// Only the kind is read first: each kind is then decoded strictly.
            struct Kind: Decodable { var kind: String? }
            let kind = (try? JSONDecoder().decode(Kind.self, from: data))?.kind
            do {
                if kind == "transaction" {
                    let disclosure = try JSONDecoder().decode(TransactionDisclosure.self, from: data)
                    let facts = try TransactionDisclosureVerifier.verify(disclosure, l1Record: try await l1Batch(disclosure.batch, base))
                    print("VERIFIED: \(facts.sentence)")
                    print(
                        "checked against the L1 at \(url): batch \(facts.batch) is executed and its operations commitment "
                            + "holds this operation; the signature is \(facts.signer.checksummed)'s")
                } else {
                    let disclosure = try JSONDecoder().decode(BalanceDisclosure.self, from: data)
                    let facts = try DisclosureVerifier.verify(disclosure, l1Record: try await l1Batch(disclosure.batch, base))
                    print("VERIFIED: \(facts.sentence)")
                    print("checked against the L1 at \(url): batch \(facts.batch) is executed and its state root is the disclosed one")
                }
            } catch let error as DisclosureError {
                print("REFUSED (\(error.kind.rawValue)): \(error.message)")
                throw ExitCode(1)
            } catch let error as DecodingError {
                print("REFUSED: \(file) is not a disclosure of format \(BalanceDisclosure.format) (kind \(kind ?? "none")): \(error)")
                throw ExitCode(1)
            }
        }

        func l1Batch(_ number: UInt64, _ base: URL) async throws -> L1BatchRecord? {
            do { return try await HTTPL1Client(baseURL: base, operatorKey: nil).batch(number) } catch {
                throw CommandFailure("cannot read batch \(number) from the L1 at \(url): \(error.message)")
            }
        }
    }
}
