import Foundation
import Primitives
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `cloister node` as a real process: real config file, real SQLite file, real HTTP on loopback.
@Suite(.serialized) struct NodeProcessTests {
    /// A running node whose stderr is collected; the port comes from its "listening" log line.
    final class RunningNode: @unchecked Sendable {
        let process = Process()
        private let lock = NSLock()
        private var output = ""

        init(arguments: [String]) throws {
            process.executableURL = CLITests.binary
            process.arguments = arguments
            let pipe = Pipe()
            process.standardError = pipe
            process.standardOutput = pipe
            pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
                let data = handle.availableData
                guard let self, !data.isEmpty else { return }
                self.lock.lock()
                self.output += String(decoding: data, as: UTF8.self)
                self.lock.unlock()
            }
            try process.run()
        }

        var log: String {
            lock.lock()
            defer { lock.unlock() }
            return output
        }

        /// Waits (bounded) for a log line containing `text`.
        func waitFor(_ text: String, seconds: Double = 30) async -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if log.contains(text) { return true }
                if !process.isRunning { return log.contains(text) }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return false
        }

        var port: Int? {
            guard let range = log.range(of: "address=http://127.0.0.1:") else { return nil }
            return Int(log[range.upperBound...].prefix { $0.isNumber })
        }

        func stop() async -> Int32 {
            process.interrupt()
            for _ in 0..<1_000 where process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    static func devnetCopy() throws -> (directory: String, config: String, masterKey: String) {
        let directory = CLITests.temporaryPath("devnet")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var config = try String(contentsOf: root.appendingPathComponent("Config/cloister.toml"), encoding: .utf8)
        config = config.replacingOccurrences(of: "listen = \"127.0.0.1:8545\"", with: "listen = \"127.0.0.1:0\"")
        config = config.replacingOccurrences(of: "\"devnet-keys/", with: "\"\(root.path)/Config/devnet-keys/")
        config = config.replacingOccurrences(of: "directory = \"../Policies\"", with: "directory = \"\(root.path)/Policies\"")
        let path = directory + "/cloister.toml"
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        return (directory, path, directory + "/master.key")
    }

    static func health(port: Int) async throws -> [String: Any] {
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/health")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Found by the FuzzPolicy target (docs/FUZZING.md, finding 5): toml++ inside TOMLKit 0.6.0
    /// asserted in `parse_key` on a table header that starts with a character a key cannot start
    /// with, and the process aborted (status 134) instead of refusing the file; a node reloading
    /// such a policy file would have stopped. The TOML reader is now our own (`TOMLParser`).
    @Test func aPolicyFileWithAnInvalidTableHeaderIsRefusedNotACrash() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let policies = CLITests.temporaryPath("policies")
        try FileManager.default.createDirectory(atPath: policies, withIntermediateDirectories: true)
        try "[?sanctions]\nlist = \"x.toml\"\n".write(toFile: policies + "/compliance.toml", atomically: true, encoding: .utf8)
        let run = try CLITests.run("policy", "check", policies, "--config", root.appendingPathComponent("Config/cloister.toml").path)
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("compliance.toml") && run.stderr.contains("line 1"), "\(run.stderr)")
    }

    @Test func policyCheckPrintsSummaryAndHashOrEveryProblem() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let good = try CLITests.run("policy", "check", root.appendingPathComponent("Policies").path, "--config", root.appendingPathComponent("Config/cloister.toml").path)
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("Policy hash: 0x"))
        #expect(good.stdout.contains("alice"))

        let broken = CLITests.temporaryPath("policies")
        try FileManager.default.copyItem(atPath: root.appendingPathComponent("Policies").path, toPath: broken)
        let members = broken + "/members.toml"
        var text = try String(contentsOfFile: members, encoding: .utf8)
        text = text.replacingOccurrences(of: "kyc_tier = 2", with: "kyc_teir = 2")
        try text.write(toFile: members, atomically: true, encoding: .utf8)
        let bad = try CLITests.run("policy", "check", broken, "--config", root.appendingPathComponent("Config/cloister.toml").path)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("members.toml"))
        #expect(bad.stderr.contains("kyc_teir"))
    }

    @Test func refusesToStartWithoutMasterKey() throws {
        let devnet = try Self.devnetCopy()
        let run = try CLITests.run("node", "--config", devnet.config, "--master-key", devnet.masterKey)
        #expect(run.status == 1)
        #expect(run.stderr.contains("cloister keys new-master"))
        #expect(!FileManager.default.fileExists(atPath: devnet.directory + "/../.data/devnet/chain.sqlite"))
    }

    @Test func refusesToStartWithBrokenConfigNamingTheKey() throws {
        let devnet = try Self.devnetCopy()
        var text = try String(contentsOfFile: devnet.config, encoding: .utf8)
        text = text.replacingOccurrences(of: "chain_id = 271828", with: "chain_id = \"x\"")
        try text.write(toFile: devnet.config, atomically: true, encoding: .utf8)
        let run = try CLITests.run("node", "--config", devnet.config)
        #expect(run.status == 1)
        #expect(run.stderr.contains("chain.chain_id"))
    }

    /// Start, serve /health over HTTP, stop on SIGINT with status 0, start again on the same data.
    @Test func startsServesHealthStopsGracefullyAndResumes() async throws {
        let devnet = try Self.devnetCopy()
        #expect(try CLITests.run("keys", "new-master", devnet.masterKey).status == 0)
        let dataDirectory = devnet.directory + "/data"
        let arguments = ["node", "--config", devnet.config, "--data-dir", dataDirectory, "--master-key", devnet.masterKey]

        let first = try RunningNode(arguments: arguments)
        #expect(await first.waitFor("address=http://"), "\(first.log)")
        let port = try #require(first.port, "\(first.log)")
        let health = try await Self.health(port: port)
        #expect(health["status"] as? String == "ok")
        #expect(health["chainId"] as? Int == 271828)
        #expect(health["headBlock"] as? Int == 0)
        #expect(health["store"] as? String == "sqlite")
        let stateRoot = try #require(health["stateRoot"] as? String)
        #expect(await first.stop() == 0)
        #expect(first.log.contains("node stopped"))
        #expect(FileManager.default.fileExists(atPath: dataDirectory + "/chain.sqlite"))

        let second = try RunningNode(arguments: arguments)
        #expect(await second.waitFor("address=http://"), "\(second.log)")
        #expect(second.log.contains("chain restored"))
        let resumed = try await Self.health(port: try #require(second.port))
        #expect(resumed["stateRoot"] as? String == stateRoot)
        #expect((resumed["policyHash"] as? String)?.hasPrefix("0x") == true)

        // SIGHUP reloads the policy without a restart.
        kill(second.process.processIdentifier, SIGHUP)
        #expect(await second.waitFor("SIGHUP: reloading policy"), "\(second.log)")
        #expect(second.process.isRunning)
        #expect(await second.stop() == 0)

        // The stopped node's audit log verifies offline.
        let audit = try CLITests.run(
            "audit", "verify", "--config", devnet.config, "--data-dir", dataDirectory, "--master-key", devnet.masterKey)
        #expect(audit.status == 0, "\(audit.stderr)")
        #expect(audit.stdout.contains("audit log verifies"))
    }
}
