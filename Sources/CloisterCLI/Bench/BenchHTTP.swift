import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP/1.1 keep-alive client connection for the load generator: one request at a
/// time per connection, everything on the connection's event loop (no locks, no tasks).
///
/// Not a general HTTP client: no redirects, no TLS, no chunked request bodies. Responses are
/// collected whole.
final class BenchConnection: @unchecked Sendable {
    struct Response {
        var status: Int
        var body: ByteBuffer
    }

    let channel: Channel
    let host: String
    private let collector: ResponseCollector

    var eventLoop: EventLoop { channel.eventLoop }

    private init(channel: Channel, collector: ResponseCollector, host: String) {
        self.channel = channel
        self.collector = collector
        self.host = host
    }

    static func connect(group: EventLoopGroup, host: String, port: Int) -> EventLoopFuture<BenchConnection> {
        ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(position: .last, leftOverBytesStrategy: .fireError)
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector())
                }
            }
            .connect(host: host, port: port)
            .flatMapThrowing { channel in
                let collector = try channel.pipeline.syncOperations.handler(type: ResponseCollector.self)
                return BenchConnection(channel: channel, collector: collector, host: host)
            }
    }

    /// Sends one request; must be called on `eventLoop`. The future completes on it too.
    func send(method: HTTPMethod, uri: String, headers extra: [(String, String)] = [], body: ByteBuffer? = nil)
        -> EventLoopFuture<Response>
    {
        eventLoop.preconditionInEventLoop()
        let promise = eventLoop.makePromise(of: Response.self)
        guard channel.isActive else {
            promise.fail(ChannelError.ioOnClosedChannel)
            return promise.futureResult
        }
        collector.waiting.append(promise)
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: host)
        headers.add(name: "Connection", value: "keep-alive")
        for (name, value) in extra { headers.add(name: name, value: value) }
        if let body {
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: String(body.readableBytes))
        }
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: headers)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil) }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        return promise.futureResult
    }

    func close() {
        channel.close(promise: nil)
    }
}

/// Gathers response parts into whole responses, completing the oldest waiting request.
private final class ResponseCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    var waiting = CircularBuffer<EventLoopPromise<BenchConnection.Response>>()
    private var status = 0
    private var body: ByteBuffer?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            body = nil
        case .body(var part):
            if body == nil { body = part } else { body!.writeBuffer(&part) }
        case .end:
            let response = BenchConnection.Response(status: status, body: body ?? ByteBuffer())
            body = nil
            if !waiting.isEmpty { waiting.removeFirst().succeed(response) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        failAll(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(ChannelError.eof)
        context.fireChannelInactive()
    }

    private func failAll(_ error: Error) {
        while !waiting.isEmpty { waiting.removeFirst().fail(error) }
    }
}
