import Foundation
import Node

extension AdminResources {
    /// The status's `proverQueue`: null unless `cloister prover` workers prove the batches.
    static func proverQueue(_ status: ProverQueueReport?) -> JSON {
        guard let status else { return .null }
        return .object([
            ("waiting", .integer(UInt64(status.waiting))), ("running", .integer(UInt64(status.running))),
            ("done", .integer(UInt64(status.done))), ("failed", .integer(UInt64(status.failed))),
            ("oldestWaitingSeconds", status.oldestWaitingSeconds.map { .number(String(format: "%.3f", $0)) } ?? .null),
            (
                "workers",
                .array(
                    status.workers.map { worker in
                        .object([
                            ("worker", .string(worker.worker)),
                            ("secondsSinceHeartbeat", .number(String(format: "%.3f", worker.secondsSinceHeartbeat))),
                            ("batch", worker.batch.map { .integer($0) } ?? .null),
                        ])
                    })
            ),
        ])
    }
}
