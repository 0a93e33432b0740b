import Foundation

/// Locates the shared test vectors: `$CLOISTER_VECTORS`, or `../shared/vectors` beside the
/// repository (where the workplace and CI put them).
public enum SharedVectors {
    public static var directory: URL {
        if let override = ProcessInfo.processInfo.environment["CLOISTER_VECTORS"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/vectors")
    }

    /// The repository root, found from this file's location.
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    public static func url(_ relativePath: String) -> URL { directory.appendingPathComponent(relativePath) }

    /// Parses a JSON file under the vectors directory.
    public static func json(_ relativePath: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url(relativePath)))
    }

    /// Every `.json` file below a vectors subdirectory, sorted.
    public static func jsonFiles(under relativePath: String) -> [URL] {
        let root = url(relativePath)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { $0.pathExtension == "json" }.sorted { $0.path < $1.path }
    }
}

/// Test-side hex helpers that accept the vectors' loose forms (with or without `0x`).
public func bytes(fromHex text: String) -> [UInt8] {
    var digits = Substring(text)
    if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
    precondition(digits.count % 2 == 0, "odd hex in test vector: \(text)")
    var out = [UInt8]()
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        out.append(UInt8(digits[index..<next], radix: 16)!)
        index = next
    }
    return out
}

/// A seeded generator (SplitMix64) so that randomised tests reproduce their failures.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
