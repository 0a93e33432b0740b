import Foundation
import Hummingbird
import Logging
import NIOCore
import Primitives
import ServiceLifecycle
import Settlement

/// The L1 mock's HTTP API, as routes any Hummingbird router can carry: `cloister l1`
/// serves them alone (`L1Service`); `cloister node` may mount them in-process.
///
/// Public reads and the two public calls need no credentials; operator calls need the
/// operator's signature in `X-Cloister-Operator-Signature`. Request bodies are bounded.
public enum L1HTTP {
    /// The largest body of a prove call (hex doubles the proof's size).
    public static let maximumProveBody = 40 << 20
    /// The largest body of every other call.
    public static let maximumBody = 64 << 10

    /// Adds the L1 routes under `prefix` (e.g. "" or "/l1").
    public static func install<Methods: RouterMethods>(
        on router: Methods, engine: L1SettlementMock, prefix: String = ""
    ) {
        func path(_ suffix: String) -> RouterPath { RouterPath(prefix + suffix) }

        router.get(path("/status")) { _, _ in respond { () throws(SettlementError) in try engine.status() } }
        router.get(path("/batches")) { request, _ in
            respond { () throws(SettlementError) in
                try engine.batches(
                    from: try query(request, "from", default: 1), limit: Int(try query(request, "limit", default: 100)))
            }
        }
        router.get(path("/batches/:number")) { _, context in
            respond { () throws(SettlementError) in
                let number = try batchNumber(context.parameters.get("number"))
                guard let batch = try engine.batch(number) else {
                    throw SettlementError(.notFound, "no batch \(number) is committed on this L1")
                }
                return batch
            }
        }
        router.get(path("/batches/:number/proof")) { _, context in
            respond { () throws(SettlementError) in
                let number = try batchNumber(context.parameters.get("number"))
                guard let proof = try engine.proof(ofBatch: number) else {
                    throw SettlementError(.notFound, "batch \(number) has no accepted proof on this L1")
                }
                return ProofResponse(batchNumber: number, proof: proof)
            }
        }
        router.get(path("/deposits")) { request, _ in
            respond { () throws(SettlementError) in
                try engine.deposits(
                    from: try query(request, "from", default: 0), limit: Int(try query(request, "limit", default: 100)))
            }
        }
        router.get(path("/withdrawals")) { request, _ in
            respond { () throws(SettlementError) in
                try engine.withdrawals(
                    after: try query(request, "after", default: 0),
                    limit: Int(try query(request, "limit", default: 100)))
            }
        }
        router.get(path("/events")) { request, _ in
            respond { () throws(SettlementError) in
                try engine.events(
                    after: try query(request, "after", default: 0),
                    limit: Int(try query(request, "limit", default: 100)))
            }
        }

        router.post(path("/deposits")) { request, _ in
            await respond(request, limit: maximumBody) { (body) throws(SettlementError) in
                let deposit = try L1JSON.decode(DepositBody.self, from: body, what: "the deposit")
                return try engine.deposit(
                    recipient: deposit.recipient, asset: deposit.asset, amount: deposit.amount, sender: deposit.sender)
            }
        }
        router.post(path("/withdrawals")) { request, _ in
            await respond(request, limit: maximumBody) { (body) throws(SettlementError) in
                try engine.finalizeWithdrawal(
                    try L1JSON.decode(WithdrawalProof.self, from: body, what: "the withdrawal proof"))
            }
        }

        router.post(path("/operator/commit")) { request, _ in
            await respond(request, limit: maximumBody) { (body) throws(SettlementError) in
                let signature = try operatorSignature(request, call: "commit")
                let commitment = try L1JSON.decode(BatchCommitment.self, from: body, what: "the batch commitment")
                return try engine.perform(.commit(commitment), signature: signature)
            }
        }
        router.post(path("/operator/prove")) { request, _ in
            await respond(request, limit: maximumProveBody) { (body) throws(SettlementError) in
                let signature = try operatorSignature(request, call: "prove")
                let prove = try L1JSON.decode(ProveBody.self, from: body, what: "the prove call")
                return try engine.perform(
                    .prove(batchNumber: prove.batchNumber, batchHash: prove.batchHash, proof: prove.proof),
                    signature: signature)
            }
        }
        router.post(path("/operator/execute")) { request, _ in
            await respond(request, limit: maximumBody) { (body) throws(SettlementError) in
                let signature = try operatorSignature(request, call: "execute")
                let execute = try L1JSON.decode(ExecuteBody.self, from: body, what: "the execute call")
                return try engine.perform(
                    .execute(batchNumber: execute.batchNumber, batchHash: execute.batchHash), signature: signature)
            }
        }
        router.post(path("/operator/revert")) { request, _ in
            await respond(request, limit: maximumBody) { (body) throws(SettlementError) in
                let signature = try operatorSignature(request, call: "revert")
                let revert = try L1JSON.decode(RevertBody.self, from: body, what: "the revert call")
                return try engine.perform(
                    .revert(toBatch: revert.toBatch, lastCommittedBatchHash: revert.lastCommittedBatchHash),
                    signature: signature)
            }
        }
    }

    /// The operator signature header, checked for presence and form before the body is read
    /// (so an unsigned call is a 401 whatever its body).
    static func operatorSignature(_ request: Request, call: String) throws(SettlementError) -> OperatorSignature {
        let name = OperatorSignature.headerName.lowercased()
        guard let field = request.headers.first(where: { $0.name.canonicalName == name }) else {
            throw SettlementError(
                .unauthorized,
                "operator call '\(call)' carries no \(OperatorSignature.headerName) header: sign it with the operator key "
                    + "(see docs/SETTLEMENT.md)")
        }
        return try OperatorSignature(hex: field.value)
    }

    static func batchNumber(_ text: String?) throws(SettlementError) -> UInt64 {
        guard let text, let number = UInt64(text) else {
            throw .invalid("the batch number in the path must be a whole number, got '\(text ?? "")'")
        }
        return number
    }

    static func query(_ request: Request, _ name: String, default value: UInt64) throws(SettlementError) -> UInt64 {
        guard let text = request.uri.queryParameters[Substring(name)] else { return value }
        guard let number = UInt64(text) else {
            throw .invalid("query parameter '\(name)' must be a whole number, got '\(text)'")
        }
        return number
    }

    static func respond(_ body: () throws(SettlementError) -> some Encodable) -> Response {
        do {
            return json(try body(), status: .ok)
        } catch {
            return json(ErrorBody(error), status: .init(code: error.httpStatus))
        }
    }

    static func respond(
        _ request: Request, limit: Int, _ handle: (Data) throws(SettlementError) -> some Encodable
    ) async -> Response {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            let refusal = SettlementError(
                .invalidInput, "the request body is larger than \(limit) bytes, or was cut off")
            return json(ErrorBody(refusal), status: .contentTooLarge)
        }
        return respond { () throws(SettlementError) in try handle(Data(buffer.readableBytesView)) }
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: L1JSON.encode(value))))
    }
}

/// `cloister l1`: the L1 mock's HTTP listener as a swift-service-lifecycle service.
public struct L1Service: Service {
    public let engine: L1SettlementMock
    let application: Application<RouterResponder<BasicRequestContext>>

    /// - Parameters:
    ///   - host: listen address; the default config binds 127.0.0.1.
    ///   - port: 0 picks a free port (reported to `onServerRunning`).
    public init(
        engine: L1SettlementMock, host: String = "127.0.0.1", port: Int = 8547, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.engine = engine
        let router = Router()
        L1HTTP.install(on: router, engine: engine)
        application = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "cloister-l1"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }

    public func run() async throws { try await application.run() }
}
