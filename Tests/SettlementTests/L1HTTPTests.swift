import Foundation
import Hummingbird
import Logging
import Primitives
import ServiceLifecycle
import Settlement
import Testing
import L1Mock

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The L1 mock behind its real HTTP listener on loopback, driven by `HTTPL1Client`.
final class RunningL1: @unchecked Sendable {
    let fixture: L1Fixture
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, Error>

    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    init(_ fixture: L1Fixture) async throws {
        self.fixture = fixture
        let logger = Logger(label: "test-l1")
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let service = L1Service(engine: fixture.engine, host: "127.0.0.1", port: 0, logger: logger) { port in
            continuation.yield(port)
        }
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
        self.group = group
        task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        self.port = port
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    /// A raw POST, for what a well-behaved client never sends.
    func post(_ path: String, body: Data, headers: [String: String] = [:]) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: baseURL.appendingPathComponent(path))
        request.httpMethod = "POST"
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, object)
    }
}

@Suite(.serialized) struct L1HTTPTests {
    @Test func httpClientRunsCommitProveExecuteAndFinalizeAgainstTheService() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        let server = try await RunningL1(l1)
        let client = HTTPL1Client(baseURL: server.baseURL, operatorKey: l1.operatorKey)

        let record = try await client.deposit(
            recipient: .test(0xB1), asset: .zero, amount: UInt256(decimal: "1000000000000000000000"),
            sender: .test(0xE1))
        #expect(record.deposit.queueIndex == 0)
        let withdrawals = BridgeHashTests.withdrawals(batch: 1, count: 2)
        let tree = try WithdrawalTree(batchNumber: 1, withdrawals: withdrawals)
        let batch = L1Fixture.batch(after: nil, deposits: [record.deposit], withdrawals: withdrawals)

        #expect(try await client.commit(batch).status == .committed)
        #expect(try await client.commit(batch).outcome == .alreadyApplied)
        await #expect {
            try await client.prove(batchNumber: 1, batchHash: batch.batchHash, proof: [1, 2, 3])
        } throws: { ($0 as? SettlementError)?.kind == .proofRejected }
        #expect(
            try await client.prove(batchNumber: 1, batchHash: batch.batchHash, proof: TestProof.bytes(for: batch))
                .status
                == .proven)
        #expect(try await client.execute(batchNumber: 1, batchHash: batch.batchHash).status == .executed)
        let finalized = try await client.finalizeWithdrawal(try tree.proof(index: 1))
        #expect(finalized.withdrawal == withdrawals[1])

        // Reads over HTTP equal the engine's own.
        #expect(try await client.status() == (try l1.engine.status()))
        #expect(try await client.batch(1) == (try l1.engine.batch(1)))
        #expect(try await client.batch(2) == nil)
        #expect(try await client.batches(from: 1, limit: 10) == (try l1.engine.batches()))
        #expect(try await client.proof(ofBatch: 1) == TestProof.bytes(for: batch))
        #expect(try await client.deposits(from: 0, limit: 10) == (try l1.engine.deposits()))
        #expect(try await client.withdrawals(after: 0, limit: 10) == [finalized])
        let events = try await client.events(after: 0, limit: 100)
        #expect(
            events.map(\.kind) == [
                .depositQueued, .committed, .proofRejected, .proven, .executed, .withdrawalFinalized,
            ])
        #expect(try await client.events(after: 4, limit: 1).map(\.sequence) == [5])

        // A refusal comes back as the engine's error, kind and reason intact.
        await #expect {
            try await client.finalizeWithdrawal(try tree.proof(index: 1))
        } throws: { error in
            let error = error as? SettlementError
            return error?.kind == .refused && error?.message.contains("already finalized") == true
        }
        await server.stop()
    }

    @Test func serviceRefusesUnsignedForeignAndMalformedOperatorCalls() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        let server = try await RunningL1(l1)
        let batch = L1Fixture.batch(after: nil)
        let body = try JSONEncoder().encode(batch)

        let (unsigned, unsignedBody) = try await server.post("operator/commit", body: body)
        #expect(unsigned == 401)
        #expect((unsignedBody["error"] as? [String: Any])?["kind"] as? String == "unauthorized")

        let (unsignedGarbage, _) = try await server.post("operator/execute", body: Data("{}".utf8))
        #expect(unsignedGarbage == 401)

        let stranger = try PrivateKey(bytes: [UInt8](repeating: 9, count: 32))
        let foreign = OperatorCall.commit(batch).sign(with: stranger).hex
        let (forbidden, _) = try await server.post(
            "operator/commit", body: body, headers: [OperatorSignature.headerName: foreign])
        #expect(forbidden == 403)

        let (garbled, _) = try await server.post(
            "operator/commit", body: body, headers: [OperatorSignature.headerName: "0xnothex"])
        #expect(garbled == 401)

        let signature = OperatorCall.commit(batch).sign(with: l1.operatorKey).hex
        let (malformed, malformedBody) = try await server.post(
            "operator/commit", body: Data("{\"batchNumber\": 1}".utf8),
            headers: [OperatorSignature.headerName: signature])
        #expect(malformed == 400)
        #expect(((malformedBody["error"] as? [String: Any])?["message"] as? String)?.contains("missing") == true)

        let (tooLarge, _) = try await server.post("deposits", body: Data(count: L1HTTP.maximumBody + 1))
        #expect(tooLarge == 413)

        #expect(try l1.engine.batches().isEmpty && (try l1.engine.events().isEmpty))
        let (accepted, _) = try await server.post(
            "operator/commit", body: body, headers: [OperatorSignature.headerName: signature])
        #expect(accepted == 200)
        await server.stop()
    }

    @Test func routesMountUnderAPrefixOnAnotherRouter() async throws {
        let l1 = try L1Fixture()
        defer { l1.remove() }
        let router = Router()
        router.get("/health") { _, _ in "ok" }
        L1HTTP.install(on: router, engine: l1.engine, prefix: "/l1")
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) })
        let group = ServiceGroup(configuration: .init(services: [application], logger: Logger(label: "test-node")))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())

        let client = HTTPL1Client(baseURL: URL(string: "http://127.0.0.1:\(port)/l1")!, operatorKey: l1.operatorKey)
        let batch = L1Fixture.batch(after: nil)
        #expect(try await client.commit(batch).status == .committed)
        #expect(try await client.status().lastCommittedBatchHash == batch.batchHash)
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    @Test func unreachableL1IsDistinguishableFromARefusal() async throws {
        // Port 9 (discard): below the ephemeral range every test server binds in, so nothing
        // listens there. (A port bound and released here could be taken by a test running beside.)
        let l1 = try L1Fixture()
        defer { l1.remove() }
        let url = URL(string: "http://127.0.0.1:9")!

        let client = HTTPL1Client(baseURL: url, operatorKey: l1.operatorKey, timeout: 5)
        await #expect {
            try await client.commit(L1Fixture.batch(after: nil))
        } throws: { error in
            let error = error as? SettlementError
            return error?.kind == .unreachable && error?.message.contains("retry") == true
        }
        await #expect {
            try await client.status()
        } throws: { ($0 as? SettlementError)?.kind == .unreachable }
    }
}
