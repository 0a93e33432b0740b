import Foundation
import StarkMath

/// `shared/vectors/rpo256.json`: the published RPO-256 parameters and known answers.
///
/// Found beside the repository (`<repo>/../shared/vectors`) or in the directory named by
/// the environment variable `CLOISTER_VECTORS`.
struct RPOVectors: Decodable {
    struct KnownAnswer: Decodable {
        let input: [UInt64]
        let digest: [String]
    }

    let field_modulus: String
    let state_width: Int
    let capacity: [Int]
    let rate: [Int]
    let digest: [Int]
    let rounds: Int
    let alpha: Int
    let inv_alpha: String
    let mds_first_row: [UInt64]
    let ark1: [[String]]
    let ark2: [[String]]
    let vectors_hash_elements_of_0_to_i: [KnownAnswer]

    static let shared: RPOVectors = {
        let directory: URL
        if let override = ProcessInfo.processInfo.environment["CLOISTER_VECTORS"] {
            directory = URL(fileURLWithPath: override)
        } else {
            let repository = URL(fileURLWithPath: #filePath)
                .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            directory = repository.deletingLastPathComponent().appendingPathComponent("shared/vectors")
        }
        let url = directory.appendingPathComponent("rpo256.json")
        do {
            return try JSONDecoder().decode(RPOVectors.self, from: Data(contentsOf: url))
        } catch {
            fatalError("cannot load \(url.path); set CLOISTER_VECTORS to the directory holding rpo256.json: \(error)")
        }
    }()
}

func decimalElement(_ decimal: String) -> Goldilocks {
    guard let value = UInt64(decimal), let element = try? Goldilocks(canonical: value) else {
        fatalError("\(decimal) is not a canonical Goldilocks element")
    }
    return element
}

/// A seeded generator (SplitMix64) so that failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
