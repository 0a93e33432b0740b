import ConfigFiles
import Foundation
import Policy
import Testing

/// FuzzPolicy's inputs through `PolicyLoader.load`, as the fuzz target and a policy reload load
/// them: what made the TOML reader abort the process is a `PolicyError` naming each file.
@Suite struct PolicyFuzzFindingTests {
    /// docs/FUZZING.md finding 13 (toml++ asserted in `parse_value`): the 97-byte input, whose NUL
    /// bytes separate the files written as compliance.toml, members.toml, roles.toml,
    /// sanctions.toml, extra-4.toml … extra-7.toml.
    @Test func finding13IsRefusedFileByFileNotACrash() throws {
        let input: [UInt8] = [
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xC4, 0x30, 0x30, 0x54, 0x30, 0x28, 0x00, 0x6E, 0x69, 0x6F,
            0x5B, 0x53, 0x61, 0x6E, 0x63, 0x74, 0x69, 0x6C, 0x20, 0x3D, 0x20, 0x6E, 0x3D, 0x20, 0x30, 0x30,
            0x3A, 0x30, 0x30, 0x20, 0x00, 0x28, 0x00, 0x6E, 0x69, 0x6F, 0x6E, 0x3D, 0x00, 0x20, 0x30, 0x30,
            0x3A, 0x30, 0x30, 0x20, 0x30, 0x30, 0x30, 0x30, 0x3A, 0x3A, 0x30, 0x30, 0x3D, 0x00, 0x00, 0x6E,
            0x74, 0x69, 0x6C, 0x20, 0x3D, 0x20, 0x32, 0x30, 0x3B, 0x35, 0x2D, 0x30, 0x39, 0x2D, 0x30, 0x31,
            0x20, 0x32, 0x20, 0x3A, 0x30, 0x35, 0x2D, 0x30, 0x31, 0x2D, 0x30, 0x31, 0x00, 0x00, 0x5D, 0x0A,
            0x30,
        ]
        let names = ["compliance.toml", "members.toml", "roles.toml", "sanctions.toml"]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "policy-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (index, contents) in input.split(separator: 0, omittingEmptySubsequences: false).prefix(8).enumerated() {
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
