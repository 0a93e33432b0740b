import Foundation
import API
import ArgumentParser
import Auth
import ConfigFiles
import Logging
import Node
import NodeConfiguration
import Sequencer

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

    @Option(
        name: .customLong("l1"),
        help: "Settle on the `cloister l1` service at this URL instead of the embedded L1 mock (overrides settlement.l1).")
    var l1: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func run() async throws {
        let logger = try ServiceLogging.bootstrap(label: "cloister.node", level: logLevel)
        var nodeConfig: NodeConfig
        do {
            nodeConfig = try NodeConfig.load(path: config)
        } catch {
            throw CommandFailure(error.description)
        }
        if let dataDir { nodeConfig.dataDirectory = dataDir }
        if let l1 {
            guard let url = URL(string: l1), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                throw CommandFailure("--l1 \(l1): give the URL of a `cloister l1` service, e.g. http://127.0.0.1:8547")
            }
            // The L1 moves; the prover and the rest of [settlement] stay as configured.
            nodeConfig.settlement.l1 = .remote(url)
            nodeConfig.settlement.enabled = true
        }
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
