import Foundation
import StarkMath
import TestSupport

/// The known answers written by `scripts/gen-proofmath-fixtures.py`, an independent
/// Python big-integer implementation of the field and its extensions.
struct FieldFixtures: Decodable {
    struct BaseCase: Decodable {
        let a: String
        let b: String
        let sum: String
        let difference: String
        let product: String
        let negation: String
        let inverse: String?
        let exponent: String
        let power: String
    }

    struct ExtensionCase: Decodable {
        let a: [String]
        let b: [String]
        let sum: [String]
        let difference: [String]
        let product: [String]
        let square: [String]
        let inverse: [String]?
        let exponent: String
        let power: [String]
    }

    let modulus: String
    let twoAdicRootOfUnity: String
    let base: [BaseCase]
    let quadratic: [ExtensionCase]
    let cubic: [ExtensionCase]

    /// Loaded once for all tests; the file sits beside this source file.
    static let shared: FieldFixtures = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/field-arithmetic.json")
        do {
            return try JSONDecoder().decode(FieldFixtures.self, from: Data(contentsOf: url))
        } catch {
            fatalError("cannot load \(url.path) (regenerate with scripts/gen-proofmath-fixtures.py): \(error)")
        }
    }()
}

/// A decimal string from the fixtures as a canonical element.
func element(_ decimal: String) throws -> Goldilocks {
    guard let value = UInt64(decimal) else { throw FixtureError.notANumber(decimal) }
    return try Goldilocks(canonical: value)
}

func elements<E: FieldElement>(_ decimals: [String], as type: E.Type = E.self) throws -> E {
    try E(baseElements: decimals.map(element))
}

enum FixtureError: Error {
    case notANumber(String)
}

