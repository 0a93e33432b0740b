import ArgumentParser

@main
struct Cloister: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cloister", abstract: "A private, permissioned chain node.", version: "0.1.0")
}
