import Foundation
import Primitives
import Testing
import Transactions

/// End-to-end tests of the `cloister` binary, run as a user would run it.
@Suite struct CLITests {
    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The `cloister` binary SwiftPM built beside this test bundle.
    static var binary: URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // The test runner may live inside a `.xctest` bundle directory.
        if directory.pathExtension == "xctest" { directory = directory.deletingLastPathComponent() }
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("cloister").path),
            directory.path != "/"
        {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("cloister")
    }

    /// Runs the binary to its end. Standard error goes to a file, not a second pipe: reading one
    /// pipe to its end while the child fills the other (a long report on stderr) would deadlock.
    static func run(_ arguments: String...) throws -> Run {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe()
        let errorPath = temporaryPath("stderr")
        FileManager.default.createFile(atPath: errorPath, contents: nil)
        let errorFile = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        defer {
            try? errorFile.close()
            try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: errorPath).deletingLastPathComponent().path)
        }
        process.standardOutput = out
        process.standardError = errorFile
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = try Data(contentsOf: URL(fileURLWithPath: errorPath))
        return Run(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func temporaryPath(_ name: String) -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cloister-cli-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent(name).path
    }

    @Test func proofSecurityPrintsProvenBitsOfTheOptionsAProverUsesAndRefusesBadLengths() throws {
        let run = try Self.run("proof", "security", "--trace-length", "131072")
        #expect(run.status == 0, "\(run.stderr)")
        let proven = run.stdout.split(separator: "\n").first { $0.hasPrefix("proven (list dec.):") }
        let bits = proven.flatMap { Int($0.split(separator: " ").dropFirst(3).first ?? "") }
        #expect((bits ?? 0) >= 100, "\(run.stdout)")
        #expect(run.stdout.contains("verifier minimum:   100 proven, 100 conjectured: met"))
        #expect(run.stdout.contains("57 queries, 20 grinding bits"), "\(run.stdout)")
        // From 2^19 rows a prover uses compact options; they still meet the minimum.
        let compact = try Self.run("proof", "security", "--trace-length", "524288")
        #expect(compact.stdout.contains("51 queries, 24 grinding bits"), "\(compact.stdout)")
        #expect(compact.stdout.contains("verifier minimum:   100 proven, 100 conjectured: met"))
        let large = try Self.run("proof", "security", "--trace-length", "1048576")
        #expect(large.stdout.contains("52 queries, 24 grinding bits"), "\(large.stdout)")
        #expect(large.stdout.contains("proven (list dec.): 101 bits"), "\(large.stdout)")
        #expect(large.stdout.contains("verifier minimum:   100 proven, 100 conjectured: met"))
        let bad = try Self.run("proof", "security", "--trace-length", "1000")
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("power of two"))
    }

    @Test func proofBenchProvesAndVerifiesATinyBatchAndWritesItsFiguresAsJSON() throws {
        let json = Self.temporaryPath("proof-bench.json")
        let run = try Self.run("proof", "bench", "--transfers", "4", "--runs", "1", "--verify-runs", "2", "--json", json)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("transfers  slots"), "\(run.stdout)")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any]
        let batch = (object?["batches"] as? [[String: Any]])?.first
        #expect(batch?["transfers"] as? Int == 4)
        #expect(batch?["slots"] as? Int == 4)
        #expect((batch?["proof_bytes"] as? Int ?? 0) > 1_000)
        #expect((batch?["proven_bits"] as? Int ?? 0) >= 100)
        #expect(((batch?["prove_s"] as? [String: Any])?["median"] as? Double ?? 0) > 0)
    }

    @Test func proofBenchRefusesBatchSizesItCannotBuild() throws {
        for sizes in ["1", "16,x", "", "5000"] {
            let run = try Self.run("proof", "bench", "--transfers", sizes)
            #expect(run.status != 0, "--transfers \(sizes)")
            #expect(run.stderr.contains("--transfers must be"), "\(run.stderr)")
        }
    }

    @Test(arguments: ["hot", "uniform"])
    func proofBenchProvesAPatternInALargerStateAndSaysWhichInItsFigures(_ pattern: String) throws {
        let json = Self.temporaryPath("proof-bench-\(pattern).json")
        let run = try Self.run(
            "proof", "bench", "--transfers", "4", "--runs", "1", "--verify-runs", "1", "--accounts", "2500", "--pattern",
            pattern, "--json", json)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\(pattern) transfers in a state of 2500 accounts"), "\(run.stdout)")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any]
        #expect(object?["accounts"] as? Int == 2500)
        #expect(object?["pattern"] as? String == pattern)
        #expect((object?["batches"] as? [[String: Any]])?.first?["transfers"] as? Int == 4)
    }

    @Test func proofBenchRefusesAccountCountsAndPatternsItCannotUse() throws {
        for accounts in ["1", "0", "10000001", "many"] {
            let run = try Self.run("proof", "bench", "--accounts", accounts)
            #expect(run.status != 0, "--accounts \(accounts)")
        }
        let pattern = try Self.run("proof", "bench", "--pattern", "sideways")
        #expect(pattern.status != 0)
        #expect(pattern.stderr.contains("sideways"), "\(pattern.stderr)")
    }

    @Test func printsVersion() throws {
        let run = try Self.run("--version")
        #expect(run.status == 0)
        #expect(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
    }

    @Test func createsKeyFileWithOwnerOnlyPermissions() throws {
        let path = Self.temporaryPath("member.key")
        let created = try Self.run("keys", "new", path)
        #expect(created.status == 0)
        let address = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try Address(hex: address).checksummed == address)

        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let contents = try String(contentsOfFile: path, encoding: .utf8)
        #expect(contents.hasPrefix("0x") && contents.trimmingCharacters(in: .newlines).count == 66)

        let shown = try Self.run("keys", "address", path)
        #expect(shown.status == 0)
        #expect(shown.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == address)
    }

    @Test func refusesToOverwriteAKeyFile() throws {
        let path = Self.temporaryPath("member.key")
        _ = try Self.run("keys", "new", path)
        let before = try String(contentsOfFile: path, encoding: .utf8)
        let again = try Self.run("keys", "new", path)
        #expect(again.status != 0)
        #expect(again.stderr.contains("already exists"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == before)
    }

    @Test func refusesMalformedKeyFile() throws {
        let path = Self.temporaryPath("bad.key")
        try "0x1234\n".write(toFile: path, atomically: true, encoding: .utf8)
        let run = try Self.run("keys", "address", path)
        #expect(run.status == 1)
        #expect(run.stderr.contains("64 hex digits"))
    }

    @Test func decodesATransactionAsJSON() throws {
        let key = PrivateKey.generate()
        let recipient = try Address(hex: "0x3535353535353535353535353535353535353535")
        let signed = TransactionCodec.sign(
            .dynamicFee(chainID: 7, nonce: 4, maxPriorityFeePerGas: 1, maxFeePerGas: 2, gasLimit: 21_000, to: recipient, value: 10),
            with: key)
        let run = try Self.run("tx", "decode", Hex.encode(signed.rawBytes))
        #expect(run.status == 0, "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(json["type"] as? String == "0x2")
        #expect(json["chainId"] as? String == "0x7")
        #expect(json["nonce"] as? String == "0x4")
        #expect(json["maxFeePerGas"] as? String == "0x2")
        #expect(json["maxPriorityFeePerGas"] as? String == "0x1")
        #expect(json["gas"] as? String == "0x5208")
        #expect(json["to"] as? String == recipient.checksummed)
        #expect(json["value"] as? String == "0xa")
        #expect(json["data"] as? String == "0x")
        #expect(json["hash"] as? String == signed.hash.hex)
        #expect(json["sender"] as? String == key.address.checksummed)
    }

    @Test func refusesInvalidTransactionWithReason() throws {
        let run = try Self.run("tx", "decode", "0x03c0")
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("not supported"))

        let badHex = try Self.run("tx", "decode", "0xf8")
        #expect(badHex.status == 1)
        #expect(!badHex.stderr.isEmpty)
    }

    @Test func refusesWrongChainIDWhenRequired() throws {
        let signed = TransactionCodec.sign(
            .legacy(chainID: 5, nonce: 0, gasPrice: 1, gasLimit: 21_000, to: .zero, value: 1), with: PrivateKey.generate())
        let run = try Self.run("tx", "decode", "--chain-id", "1", Hex.encode(signed.rawBytes))
        #expect(run.status == 1)
        #expect(run.stderr.contains("chain id"))
    }

    @Test func benchSetupWritesALoadableChainAndPreSignedTransfers() throws {
        let directory = Self.temporaryPath("bench")
        let run = try Self.run("bench", "rpc-setup", "--dir", directory, "--accounts", "3", "--transfers", "7")
        #expect(run.status == 0, "\(run.stderr)")
        let lines = try String(contentsOfFile: directory + "/transfers.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 7)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        let raw = try #require((first["params"] as? [String])?.first)
        let decoded = try TransactionCodec.decode(try Hex.decodeData(raw))
        #expect(decoded.transaction.chainID == 777)
        #expect(decoded.transaction.nonce == 0)
        let check = try Self.run("policy", "check", directory + "/policy", "--config", directory + "/cloister.toml")
        #expect(check.status == 0, "\(check.stderr)")
        #expect(try Self.run("bench", "rpc-setup", "--dir", directory).status == 1)
    }
}
