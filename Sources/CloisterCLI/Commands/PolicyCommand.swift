import ArgumentParser
import Foundation
import Node
import Policy
import NodeConfiguration

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Work with the access and compliance policy (Policies/*.toml).",
        subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a policy directory as the node would; print its summary and hash.",
            discussion: """
                Reads every *.toml in DIR and the sanctions list they reference, checks the whole \
                policy (unknown keys, types, duplicates, references, contradictions, amounts against \
                each token's decimals) and prints the members, roles, rules per asset and the policy \
                hash. A refused policy prints every problem on stderr, one per line naming file and \
                key, and exits 1. See docs/POLICY.md.
                """)

        @Argument(help: "The policy directory.")
        var directory: String = "Policies"

        @Option(help: "The chain configuration whose tokens the policy names by symbol.")
        var config: String = NodeConfig.defaultPath

        func run() throws {
            let node: NodeConfig
            do { node = try NodeConfig.load(path: config) } catch {
                Self.printError(error.description)
                throw ExitCode(1)
            }
            do {
                let policy = try PolicyLoader.load(directory: directory, tokens: node.tokens)
                print(policy.summary)
            } catch {
                for problem in error.problems { Self.printError(problem.description) }
                let count = error.problems.count == 1 ? "1 problem" : "\(error.problems.count) problems"
                Self.printError("policy in \(directory) refused: \(count); nothing was applied")
                throw ExitCode(1)
            }
        }

        static func printError(_ line: String) {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }
}
