import ArgumentParser
import Node
import Store
import NodeConfiguration
import Sequencer

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Inspect a node's audit log offline.", subcommands: [Verify.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the audit log's hash chain and report the first broken record.",
            discussion: "Reads the encrypted store directly (the node may be stopped). Exit 0 when every record is present, opens and links to the one before; 1 otherwise.")

        @Option(help: "Chain configuration (for the default data directory and master key).")
        var config: String = NodeConfig.defaultPath
        @Option(help: "Data directory (overrides the config).")
        var dataDir: String?
        @Option(help: "Master key file (overrides the config).")
        var masterKey: String?

        func run() throws {
            do {
                let nodeConfig = try NodeConfig.load(path: config)
                let keyPath = masterKey ?? nodeConfig.masterKeyFile
                let store = try NodeRuntime.openStore(config: nodeConfig, masterKeyPath: keyPath, dataDirectory: dataDir)
                let report = try AuditVerifier.verify(store)
                if let problem = report.problem {
                    throw CommandFailure("audit log broken: \(problem) (\(report.records) records before it verify)")
                }
                print("audit log verifies: \(report.records) records, head \(report.head.hex)")
            } catch let failure as CommandFailure {
                throw failure
            } catch {
                throw CommandFailure("\(error)")
            }
        }
    }
}
