import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// `cloister bench` itself, on a tiny run of the real binary: a node child process with a
/// few hundred accounts, a low fixed rate for a few seconds.
@Suite struct BenchRunTests {
    @Test func tinyRunCompletesAndWritesJSONAndSVG() throws {
        let json = CLITests.temporaryPath("bench.json")
        let svg = CLITests.temporaryPath("bench.svg")
        let kept = CLITests.temporaryPath("bench-node")
        let run = try CLITests.run(
            "bench", "--duration", "3s", "--rate", "150", "--accounts", "400", "--senders", "40", "--connections", "4",
            "--recovery-seconds", "0.2", "--prover-sample", "4", "--json", json, "--svg", svg, "--keep", kept)
        #expect(run.status == 0, "\(run.stderr)")
        // The node's default journal is left to the node: a node built before `durable_admission`
        // existed reads this config too (`--node-binary`, to run the same load against it).
        let config = try String(contentsOfFile: kept + "/cloister.toml", encoding: .utf8)
        #expect(config.contains("[chain]") && !config.contains("durable_admission"), "\(config)")
        for figure in ["executed", "accepted", "receipt latency p50", "p99", "p999", "recovery bound", "refusals", "batches",
            "proof lag", "prover", "peak"]
        {
            #expect(run.stdout.contains(figure), "summary lacks \(figure):\n\(run.stdout)")
        }

        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json)))
        let report = try #require(object as? [String: Any])
        let executed = try #require(report["executed_tps"] as? Double)
        #expect(executed > 50 && executed < 400, "\(executed)")
        let bound = try #require(report["recovery_bound_tps_two_cores"] as? Double)
        #expect(bound > 1_000)
        #expect((report["recovery_bound_tps_one_core"] as? Double ?? 0) > 500)
        // Timed three times before the run and three times after; the bound is the median.
        let samples = try #require(report["recovery_bound_samples"] as? [String: Any])
        let twoCores = try #require(samples["two_cores"] as? [Double])
        #expect(twoCores.count == 6)
        #expect(twoCores.sorted()[2] <= bound && bound <= twoCores.sorted()[3])
        let latency = try #require(report["latency_ms"] as? [String: Any])
        let p50 = try #require(latency["p50"] as? Double), p99 = try #require(latency["p99"] as? Double)
        let p999 = try #require(latency["p999"] as? Double)
        #expect(p50 > 0 && p50 <= p99 && p99 <= p999 && p999 < 10_000, "\(latency)")
        #expect((latency["samples"] as? Int ?? 0) > 50)
        // Three seconds seal no batch (max_interval 10 s), so nothing is proven yet, and the report says why.
        #expect((report["proven_tps"] as? NSNumber)?.doubleValue == 0)
        #expect(report["prover"] as? String == "background", "the node's default: proofs at idle priority")
        #expect(run.stdout.contains("20 transfer(s) per request") && run.stdout.contains("prover stark at idle priority"))
        #expect((report["proofs"] as? String ?? "").contains("no proof finished during the run"), "\(report["proofs"] ?? "")")
        // …so the prover's rate comes from a batch proved alone after the run.
        #expect(report["prover_capacity_source"] as? String == "alone after the runs")
        #expect((report["prover_capacity_tps"] as? Double ?? 0) > 0)
        let alone = try #require(report["prover_alone"] as? [String: Any])
        #expect(alone["transfers"] as? Int == 4)
        #expect((alone["prove_seconds"] as? Double ?? 0) > 0)
        #expect((report["proofs"] as? String ?? "").contains("a batch of 4 transfers took"))
        #expect(report["executed"] as? Int == report["accepted"] as? Int, "every accepted transfer executed")
        #expect((report["refusals"] as? [String: Any])?.isEmpty == true)
        #expect(((report["peak_memory_bytes"] as? [String: Any])?["node_and_embedded_l1_mock"] as? Int ?? 0) > 1_000_000)
        #expect((report["series"] as? [Any])?.count ?? 0 >= 2)
        #expect((report["runs"] as? [Any])?.count == 1)
        #expect((report["load"] as? [String: Any])?["block_interval_ms"] as? Int == 50)
        #expect((report["load"] as? [String: Any])?["transfers_per_request"] as? Int == 20)
        // Each connection sends a batch of 20 about every half second: one whose next batch
        // would be due after the end stops at once instead of waiting past it (a whole further
        // interval or more would be the bug; less is a loaded machine's scheduling).
        let sending = try #require(report["sending_seconds"] as? Double)
        // Under a sanitizer (`make sanitize` sets CLOISTER_SANITIZER) one request alone can take
        // longer than an interval, so only a much later stop counts there.
        let slack = ProcessInfo.processInfo.environment["CLOISTER_SANITIZER"] == nil ? 0.5 : 3.0
        #expect(sending < 3 + slack, "sending went on until \(sending) s of a 3 s run")

        let parser = XMLParser(data: try Data(contentsOf: URL(fileURLWithPath: svg)))
        #expect(parser.parse(), "SVG is not well-formed: \(String(describing: parser.parserError))")
        let text = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(text.contains("<svg") && text.contains("<polyline"))
    }

    @Test func refusesABadDuration() throws {
        let run = try CLITests.run("bench", "--duration", "soon")
        #expect(run.status != 0)
        #expect(run.stderr.contains("--duration"))
    }

    @Test func refusesABlockIntervalOutsideTheNodesRange() throws {
        for interval in ["5ms", "2m", "fast"] {
            let run = try CLITests.run("bench", "--block-interval", interval)
            #expect(run.status != 0)
            #expect(run.stderr.contains("--block-interval must be between 10ms and 60s"), "\(run.stderr)")
        }
    }
}
