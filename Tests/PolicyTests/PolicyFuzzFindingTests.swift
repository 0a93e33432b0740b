import ConfigFiles
import Foundation
import Policy
import TestSupport
import Testing

/// FuzzPolicy's inputs through `PolicyLoader.load`, as the fuzz target and a policy reload load
/// them: what made the TOML reader abort the process is a `PolicyError` naming each file.
@Suite struct PolicyFuzzFindingTests {
    /// docs/FUZZING.md finding 13 (`FuzzFindings.finding13`), written as the fuzz target writes it.
    @Test func finding13IsRefusedFileByFileNotACrash() throws {
        let names = ["compliance.toml", "members.toml", "roles.toml", "sanctions.toml"]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "policy-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (index, contents) in FuzzFindings.finding13Files.enumerated() {
            let name = index < names.count ? names[index] : "extra-\(index).toml"
            #expect(
                FileManager.default.createFile(
                    atPath: directory.appendingPathComponent(name).path, contents: Data(contents)))
        }
        let error = #expect(throws: PolicyError.self) {
            try PolicyLoader.load(directory: directory.path, tokens: Fixture.tokens)
        }
        let refusedFiles = Set(
            (error?.problems ?? []).filter { $0.problem.hasPrefix("not valid TOML at line") }
                .map { URL(fileURLWithPath: $0.file).lastPathComponent })
        #expect(
            refusedFiles == [
                "compliance.toml", "members.toml", "roles.toml", "sanctions.toml", "extra-4.toml", "extra-6.toml",
            ])
    }
}
