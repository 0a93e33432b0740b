import Foundation
import Primitives

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The L1 over its HTTP API (`cloister l1`, or the node's in-process mount).
///
/// Refusals come back as the same `SettlementError` the engine raised (kind and message);
/// a connection that fails or times out is `.unreachable`, which a driver can retry with
/// backoff: operator calls are idempotent, so a resend after a lost answer is safe.
public struct HTTPL1Client: L1Client {
    public let baseURL: URL
    private let operatorKey: PrivateKey?
    private let session: URLSession
    private let timeout: TimeInterval

    /// - Parameters:
    ///   - baseURL: e.g. `http://127.0.0.1:8547` (with the mount prefix, if any).
    ///   - operatorKey: signs operator calls; nil gives a client for public calls and reads.
    public init(baseURL: URL, operatorKey: PrivateKey?, session: URLSession = .shared, timeout: TimeInterval = 30) {
        self.baseURL = baseURL
        self.operatorKey = operatorKey
        self.session = session
        self.timeout = timeout
    }

    // MARK: - Operator calls

    @discardableResult

    public func commit(_ commitment: BatchCommitment) async throws(SettlementError) -> L1Acknowledgement {
        try await operatorCall(.commit(commitment), body: commitment)
    }

    @discardableResult

    public func prove(
        batchNumber: UInt64, batchHash: Hash32, proof: [UInt8]
    ) async throws(SettlementError)
        -> L1Acknowledgement
    {
        try await operatorCall(
            .prove(batchNumber: batchNumber, batchHash: batchHash, proof: proof),
            body: ProveBody(batchNumber: batchNumber, batchHash: batchHash, proof: proof))
    }

    @discardableResult

    public func execute(batchNumber: UInt64, batchHash: Hash32) async throws(SettlementError) -> L1Acknowledgement {
        try await operatorCall(
            .execute(batchNumber: batchNumber, batchHash: batchHash),
            body: ExecuteBody(batchNumber: batchNumber, batchHash: batchHash))
    }

    @discardableResult

    public func revert(
        toBatch: UInt64, lastCommittedBatchHash: Hash32
    ) async throws(SettlementError) -> L1Acknowledgement {
        try await operatorCall(
            .revert(toBatch: toBatch, lastCommittedBatchHash: lastCommittedBatchHash),
            body: RevertBody(toBatch: toBatch, lastCommittedBatchHash: lastCommittedBatchHash))
    }

    private func operatorCall(
        _ call: OperatorCall, body: some Encodable
    ) async throws(SettlementError) -> L1Acknowledgement {
        guard let operatorKey else {
            throw SettlementError(
                .unauthorized, "this L1 client has no operator key, so it cannot make the operator call '\(call.name)'")
        }
        return try await send(
            "POST", "/operator/\(call.name)", body: L1JSON.encode(body),
            headers: [OperatorSignature.headerName: call.sign(with: operatorKey).hex])
    }

    // MARK: - Public calls

    @discardableResult

    public func deposit(
        recipient: Address, asset: Address, amount: UInt256, sender: Address
    ) async throws(SettlementError)
        -> DepositRecord
    {
        try await send(
            "POST", "/deposits",
            body: L1JSON.encode(DepositBody(recipient: recipient, asset: asset, amount: amount, sender: sender)))
    }

    @discardableResult

    public func finalizeWithdrawal(_ proof: WithdrawalProof) async throws(SettlementError) -> FinalizedWithdrawal {
        try await send("POST", "/withdrawals", body: L1JSON.encode(proof))
    }

    // MARK: - Reads

    public func status() async throws(SettlementError) -> L1Status { try await send("GET", "/status") }

    public func batch(_ number: UInt64) async throws(SettlementError) -> L1BatchRecord? {
        do {
            return try await send("GET", "/batches/\(number)") as L1BatchRecord
        } catch  where error.kind == .notFound {
            return nil
        }
    }

    public func batches(from number: UInt64, limit: Int) async throws(SettlementError) -> [L1BatchRecord] {
        try await send("GET", "/batches?from=\(number)&limit=\(limit)")
    }

    public func proof(ofBatch number: UInt64) async throws(SettlementError) -> [UInt8]? {
        do {
            let response: ProofResponse = try await send("GET", "/batches/\(number)/proof")
            return response.proof
        } catch  where error.kind == .notFound {
            return nil
        }
    }

    public func deposits(from index: UInt64, limit: Int) async throws(SettlementError) -> [DepositRecord] {
        try await send("GET", "/deposits?from=\(index)&limit=\(limit)")
    }

    public func withdrawals(after sequence: UInt64, limit: Int) async throws(SettlementError) -> [FinalizedWithdrawal] {
        try await send("GET", "/withdrawals?after=\(sequence)&limit=\(limit)")
    }

    public func events(after sequence: UInt64, limit: Int) async throws(SettlementError) -> [L1Event] {
        try await send("GET", "/events?after=\(sequence)&limit=\(limit)")
    }

    // MARK: - Transport

    private func send<Response: Decodable>(
        _ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]
    ) async throws(SettlementError) -> Response {
        let text =
            baseURL.absoluteString.hasSuffix("/") ? String(baseURL.absoluteString.dropLast()) : baseURL.absoluteString
        guard let url = URL(string: text + path) else {
            throw SettlementError(.invalidInput, "'\(text + path)' is not a valid L1 URL")
        }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }

        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw SettlementError(
                .unreachable,
                "the L1 at \(text) cannot be reached (\(method) \(path): \(error.localizedDescription)); the call may not "
                    + "have arrived or its answer was lost: retry with backoff (operator calls are idempotent)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            if let refusal = try? JSONDecoder().decode(ErrorBody.self, from: data) {
                throw SettlementError(refusal.error.kind, refusal.error.message)
            }
            if status == 502 || status == 503 || status == 504 {
                throw SettlementError(
                    .unreachable, "the L1 at \(text) answered HTTP \(status) to \(method) \(path); retry later")
            }
            throw SettlementError(
                .badResponse,
                "the L1 at \(text) answered HTTP \(status) to \(method) \(path) without an L1 error body (is this the L1's URL?)"
            )
        }
        do {
            return try JSONDecoder().decode(Response.self, from: data)
        } catch {
            throw SettlementError(
                .badResponse,
                "the L1 at \(text) answered \(method) \(path) with a body this client cannot read: \(error)")
        }
    }
}
