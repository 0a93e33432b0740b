import API
import ArgumentParser
import Auth
import ConfigFiles
import Logging
import Node

struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run a Cloister node: sequencer, encrypted store, state commitment and HTTP listener.",
        discussion: "Stops gracefully on SIGINT/SIGTERM and resumes where it stopped on the next start.")

    @Option(help: "Chain configuration file.")
    var config: String = NodeConfig.defaultPath

    @Option(help: "Data directory (overrides storage.data_dir of the config).")
    var dataDir: String?

    @Option(help: "Master key file (overrides storage.master_key_file of the config).")
    var masterKey: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "cloister.node")
        var nodeConfig: NodeConfig
        do {
            nodeConfig = try NodeConfig.load(path: config)
        } catch {
            throw CommandFailure(error.description)
        }
        if let dataDir { nodeConfig.dataDirectory = dataDir }
        do {
            let oidc: OIDCVerifier? = if let settings = nodeConfig.oidc { try await OIDCSetup.verifier(settings) } else { nil }
            try await NodeRuntime.run(config: nodeConfig, masterKeyPath: masterKey ?? nodeConfig.masterKeyFile, logger: logger) {
                routers, chain in
                MemberAPI.install(on: routers.member, admin: routers.admin, chain: chain, logger: logger, oidc: oidc)
            }
        } catch {
            throw CommandFailure("\(error)")
        }
    }
}
