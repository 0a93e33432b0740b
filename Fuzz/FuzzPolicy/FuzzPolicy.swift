import FuzzSupport
import Ledger
import Policy
import Primitives

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// The policy loader (`PolicyLoader.load`, as `cloister node` and a policy reload call it)
/// on any policy directory: the input is the text of up to eight TOML files separated by
/// NUL bytes, written as compliance.toml, members.toml, roles.toml, sanctions.toml, then
/// extra-4.toml … (the devnet's files sort in that order), with the devnet's tokens.
///
/// Contract: nothing traps (whatever the TOML, the values or the cross references, every
/// problem is a `PolicyError`); loading the same files twice gives the same policy hash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = Fuzz.bytes(data, size)
    // A sanctions `list` may name any path; keep the run away from devices and other trees.
    for forbidden in ["/dev", "/proc", "/sys", "/run", ".."] where contains(input, Array(forbidden.utf8)) { return -1 }
    PolicyDirectory.shared.write(files: input.split(separator: 0, omittingEmptySubsequences: false).prefix(8))
    let path = PolicyDirectory.shared.path
    guard let policy = try? PolicyLoader.load(directory: path, tokens: devnetTokens) else { return 0 }
    do {
        let again = try PolicyLoader.load(directory: path, tokens: devnetTokens)
        Fuzz.expect(again.hash == policy.hash, "loading the same policy files twice gave two hashes")
    } catch {
        Fuzz.expect(false, "a policy that loaded once does not load again: \(error)")
    }
    return 0
}

/// The devnet's tokens (Config/cloister.toml).
private let devnetTokens: [TokenDefinition] = {
    let issuer = Address(hexLiteral: "0xE44B2bE9AA23014fF92760c338e8dA5A3a352842")
    return [
        TokenDefinition(
            address: Address(hexLiteral: "0xe0d0000000000000000000000000000000000001"), symbol: "EURD",
            name: "Digital Euro Deposit", decimals: 6, issuers: [issuer], agents: [issuer],
            supplyCap: UInt256(1_000_000_000_000_000)),
        TokenDefinition(
            address: Address(hexLiteral: "0x6bd0000000000000000000000000000000000002"), symbol: "GBPD",
            name: "Digital Sterling Deposit", decimals: 2, issuers: [issuer], agents: [issuer], supplyCap: nil),
    ]
}()

private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard haystack.count >= needle.count else { return false }
    return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
}

/// One scratch policy directory per process (in /dev/shm when there is one), rewritten per input.
private final class PolicyDirectory: @unchecked Sendable {
    static let shared = PolicyDirectory()
    static let names = ["compliance.toml", "members.toml", "roles.toml", "sanctions.toml"]

    let path: String

    private init() {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : FileManager.default.temporaryDirectory.path
        path = "\(base)/cloister-fuzz-policy-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: PolicyDirectory.shared.path) }
    }

    func write(files: some Collection<ArraySlice<UInt8>>) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
            try? FileManager.default.removeItem(atPath: "\(path)/\(name)")
        }
        for (index, contents) in files.enumerated() {
            let name = index < Self.names.count ? Self.names[index] : "extra-\(index).toml"
            _ = FileManager.default.createFile(atPath: "\(path)/\(name)", contents: Data(contents))
        }
    }
}
