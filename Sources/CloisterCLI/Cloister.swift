import ArgumentParser

/// The one executable. Subcommands arrive with the parts they drive; only working ones are listed.
@main
struct Cloister: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "cloister",
        abstract: "A private, permissioned chain node with encrypted state and validity proofs.",
        version: version,
        subcommands: [NodeCommand.self, KeysCommand.self, TxCommand.self, AuthCommand.self, PolicyCommand.self, AuditCommand.self, BenchCommand.self, L1Command.self, ProofCommand.self, VerifyCommand.self, DisclosureCommand.self, ProverCommand.self]
    )
}

/// Prints a message on stderr and exits 1: the CLI's way to refuse bad input.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
