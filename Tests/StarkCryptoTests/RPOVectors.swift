import Foundation
import StarkMath
import TestSupport

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
        let url = SharedVectors.url("rpo256.json")
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

