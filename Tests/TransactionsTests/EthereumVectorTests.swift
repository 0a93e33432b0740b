import Foundation
import Primitives
import TestSupport
import Testing
import Transactions

/// One TransactionTests case with the newest fork's expectation.
struct TransactionVector: CustomTestStringConvertible, Sendable {
    let file: String
    let name: String
    let rawHex: String
    let fork: String
    /// nil when the newest fork expects the transaction to be refused.
    let expectedHash: String?
    let expectedSender: String?
    let expectedIntrinsicGas: UInt64?
    let exception: String?

    var testDescription: String { "\(file)/\(name)" }

    /// Fork order of the `result` keys (stored alphabetically in the files).
    static let forkOrder = [
        "Frontier", "Homestead", "EIP150", "EIP158", "Byzantium", "Constantinople", "ConstantinopleFix",
        "Istanbul", "Berlin", "London", "Paris", "Shanghai", "Cancun", "Prague", "Osaka",
    ]

    static func all() -> [TransactionVector] {
        var vectors = [TransactionVector]()
        for url in SharedVectors.jsonFiles(under: "ethereum-tests/TransactionTests") {
            guard let data = try? Data(contentsOf: url),
                let tests = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else { continue }
            for (name, value) in tests {
                guard let test = value as? [String: Any], let results = test["result"] as? [String: [String: String]],
                    let raw = test["txbytes"] as? String,
                    let fork = results.keys.max(by: { forkOrder.firstIndex(of: $0)! < forkOrder.firstIndex(of: $1)! }),
                    let expectation = results[fork]
                else { continue }
                vectors.append(
                    TransactionVector(
                        file: url.deletingPathExtension().lastPathComponent, name: name, rawHex: raw, fork: fork,
                        expectedHash: expectation["hash"], expectedSender: expectation["sender"],
                        expectedIntrinsicGas: expectation["intrinsicGas"].flatMap { UInt64($0.dropFirst(2), radix: 16) },
                        exception: expectation["exception"]))
            }
        }
        return vectors.sorted { $0.testDescription < $1.testDescription }
    }
}

/// The official TransactionTests vectors (ethereum/tests), checked against the newest fork.
/// They are signed for chain id 1 and include unprotected (v = 27/28) transactions, which
/// Ethereum still accepts; the validator is configured accordingly here, and
/// `refusesUnprotectedLegacyOnCloister` pins that Cloister's own default refuses them.
@Suite struct EthereumTransactionVectorTests {
    static let vectors = TransactionVector.all()
    static let ethereumRules = TransactionValidator(chainID: 1, allowsUnprotectedLegacy: true)

    @Test func vectorsArePresent() {
        #expect(Self.vectors.count >= 120, "expected the TransactionTests vectors under \(SharedVectors.directory.path)")
    }

    @Test(arguments: vectors)
    func matchesNewestForkExpectation(_ vector: TransactionVector) throws {
        let raw = bytes(fromHex: vector.rawHex)
        let outcome: Result<(SignedTransaction, Address), TransactionError> = Result { () throws(TransactionError) in
            let signed = try TransactionCodec.decode(raw)
            try Self.ethereumRules.validate(signed)
            return (signed, try signed.recoverSender())
        }
        if let expectedHash = vector.expectedHash {
            let (signed, sender) = try outcome.get()
            #expect(signed.hash.hex == expectedHash)
            #expect(sender.hex == vector.expectedSender)
            if let gas = vector.expectedIntrinsicGas { #expect(IntrinsicGas.of(signed.transaction) == gas) }
            // Re-encoding the decoded transaction reproduces the bytes exactly.
            #expect(TransactionCodec.encode(signed.transaction, signature: signed.signature) == raw)
        } else {
            guard case .failure = outcome else {
                Issue.record("accepted a transaction \(vector.fork) refuses with \(vector.exception ?? "?")")
                return
            }
        }
    }

    @Test func refusesUnprotectedLegacyOnCloister() throws {
        let unprotected = Self.vectors.filter { vector in
            guard vector.expectedHash != nil,
                let signed = try? TransactionCodec.decode(bytes(fromHex: vector.rawHex))
            else { return false }
            return signed.transaction.chainID == nil
        }
        #expect(!unprotected.isEmpty)
        for vector in unprotected {
            let signed = try TransactionCodec.decode(bytes(fromHex: vector.rawHex))
            #expect(throws: TransactionError.missingReplayProtection) {
                try TransactionValidator(chainID: 1).validate(signed)
            }
        }
        #expect(TransactionError.missingReplayProtection.description.contains("EIP-155"))
    }
}
