import FuzzSupport
import Settlement

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The L1 HTTP API's JSON bodies, read as the L1 service reads requests and `HTTPL1Client`
/// reads answers (`L1JSON`): the first input byte picks the type, the rest is the body.
///
/// Contract: nothing traps; a body that decodes re-encodes (`L1JSON.encode`, which traps on
/// failure) to JSON that decodes to an equal value and encodes to the same bytes again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = Fuzz.bytes(data, size)
    guard let selector = input.first else { return 0 }
    let body = Data(input.dropFirst())
    let kinds = L1Body.allCases
    kinds[Int(selector) % kinds.count].roundTrip(body)
    return 0
}

/// Every type that crosses the L1 API as JSON, in request or response bodies.
enum L1Body: CaseIterable {
    case deposit, prove, execute, revert, proofResponse, error, commitment, withdrawalProof, batchRecord,
        depositRecord, finalizedWithdrawal, event, status, acknowledgement, events, batchRecords

    func roundTrip(_ body: Data) {
        switch self {
        case .deposit: check(DepositBody.self, body)
        case .prove: check(ProveBody.self, body)
        case .execute: check(ExecuteBody.self, body)
        case .revert: check(RevertBody.self, body)
        case .proofResponse: check(ProofResponse.self, body)
        case .error: check(ErrorBody.self, body)
        case .commitment: checkEqual(BatchCommitment.self, body)
        case .withdrawalProof:
            // The L1 computes the root of a claimant's proof before it pays out.
            if let proof = checkEqual(WithdrawalProof.self, body) { _ = try? proof.computedRoot() }
        case .batchRecord: checkEqual(L1BatchRecord.self, body)
        case .depositRecord: checkEqual(DepositRecord.self, body)
        case .finalizedWithdrawal: checkEqual(FinalizedWithdrawal.self, body)
        case .event: checkEqual(L1Event.self, body)
        case .status: checkEqual(L1Status.self, body)
        case .acknowledgement: checkEqual(L1Acknowledgement.self, body)
        case .events: checkEqual([L1Event].self, body)
        case .batchRecords: checkEqual([L1BatchRecord].self, body)
        }
    }

    /// Decode → encode → decode → encode: the two encodings are byte for byte the same.
    @discardableResult
    private func check<T: Codable>(_ type: T.Type, _ body: Data) -> (T, T)? {
        guard let value = try? L1JSON.decode(type, from: body, what: "the body") else { return nil }
        let encoded = L1JSON.encode(value)
        do {
            let again = try L1JSON.decode(type, from: encoded, what: "the re-encoded body")
            Fuzz.expect(L1JSON.encode(again) == encoded, "\(type) re-encodes differently the second time")
            return (value, again)
        } catch {
            Fuzz.expect(false, "\(type) does not decode from its own encoding: \(error)")
            return nil
        }
    }

    @discardableResult
    private func checkEqual<T: Codable & Equatable>(_ type: T.Type, _ body: Data) -> T? {
        guard let (value, again) = check(type, body) else { return nil }
        Fuzz.expect(value == again, "\(type) decodes from its own encoding to a different value")
        return value
    }
}
