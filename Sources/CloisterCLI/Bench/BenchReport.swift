import Foundation

/// The figures of one run against one node, computed from what the driver counted, the node's
/// `/health` and `/metrics`, and the L1 mock's `/status`.
struct BenchResult: Sendable {
    let accounts: Int
    let members: Int
    let synthetic: Int
    let settings: LoadDriver.Settings
    let startupSeconds: Double
    let state: BenchRun.DriverState
    let series: [LoadDriver.Snapshot]
    let metricsBefore: [String: Double]
    let metricsAfter: [String: Double]
    let nodePeakMemory: Int
    /// The bench's `--prover`: background, stark or none; external with `--provers N`.
    var prover = "background"
    /// The node's store engine (`--store`) and the `cloister prover` processes beside it (`--provers`).
    var store = "sqlite"
    var provers = 0

    var baseline: LoadDriver.Snapshot { state.baseline ?? series.first! }
    var final: LoadDriver.Snapshot { series.last ?? baseline }
    var included: Int { final.included - baseline.included }
    var failed: Int { Int(metric("cloister_transactions_failed_total")) }
    var executed: Int { included - failed }
    /// When the last transfer the node executed was seen executed (seconds since the start).
    var executedEnd: Double {
        series.first { $0.included == final.included }?.time ?? final.time
    }
    var executedTPS: Double { executedEnd > 0 ? Double(executed) / executedEnd : 0 }
    var acceptedTPS: Double { state.sendingEnded > 0 ? Double(state.accepted) / state.sendingEnded : 0 }
    var sentTPS: Double { state.sendingEnded > 0 ? Double(state.sent) / state.sendingEnded : 0 }
    var window: Double { final.time }
    var sealed: Int { final.latestBatch - baseline.latestBatch }
    var committed: Int { final.l1Committed - baseline.l1Committed }
    var proven: Int { final.l1Proven - baseline.l1Proven }
    var l1Executed: Int { final.l1Executed - baseline.l1Executed }
    /// Batches closed by a block during the run (each is sealed once the state tree records its root).
    var closed: Int { Int(metric("cloister_batches_closed_total")) }
    /// Times block production waited for the state tree (`max_sealed_awaiting_root`).
    var pausesForStateTree: Int { Int(metric("cloister_block_production_paused_total")) }
    func perMinute(_ count: Int) -> Double { window > 0 ? Double(count) * 60 / window : 0 }

    func metric(_ name: String) -> Double { (metricsAfter[name] ?? 0) - (metricsBefore[name] ?? 0) }

    // Proofs, from the node's metrics: the prover's own pace, and what the L1 accepted.
    /// Transactions and deposits in batches whose proof the L1 accepted during the run, per second.
    var provenTPS: Double { window > 0 ? metric("cloister_transactions_proven_total") / window : 0 }
    /// The proven rate in steady state: transactions whose proofs the L1 accepted after the
    /// run's first acceptance, over the time from that acceptance to the last one. The window
    /// rate above also counts the pipeline's fill (the first batch's filling and proving, when
    /// nothing can be proven yet), which a longer run amortises; this does not, so it is what
    /// the chain sustains. nil before two acceptances.
    var steadyProven: (tps: Double, seconds: Double, transactions: Int)? {
        let start = baseline.provenTransactions
        guard let first = series.first(where: { $0.provenTransactions > start }),
            let last = series.first(where: { $0.provenTransactions == final.provenTransactions }),
            last.time > first.time, last.provenTransactions > first.provenTransactions
        else { return nil }
        let transactions = last.provenTransactions - first.provenTransactions
        return (Double(transactions) / (last.time - first.time), last.time - first.time, transactions)
    }
    /// Batch proofs the node finished during the run.
    var proofsMade: Int { Int(metric("cloister_batches_proved_total")) }
    /// What the prover sustains: transactions proved per second of proving (one worker).
    var proverCapacityTPS: Double? {
        let seconds = metric("cloister_proving_seconds_total")
        return seconds > 0 ? metric("cloister_transactions_proved_total") / seconds : nil
    }
    /// Seal to L1-accepted proof, of the last batch proven in the run.
    var proofLagSeconds: Double? { metric("cloister_transactions_proven_total") > 0 ? metricsAfter["cloister_proof_lag_seconds"] : nil }
    /// Sealed batches without an accepted proof at the end of the run.
    var unprovenBatches: Int { max(0, final.latestBatch - final.l1Proven) }

    /// Refusals counted by the node (`cloister_transactions_refused_total{reason}` at admission,
    /// `…_refused_at_execution_total{rule}` in blocks, `…_evicted_total` from a full mempool), by reason.
    var refusals: [String: Int] {
        var out = [String: Int]()
        for name in Set(metricsAfter.keys).union(metricsBefore.keys) {
            for (prefix, label, kind) in [
                ("cloister_transactions_refused_total{", "reason=\"", "admission"),
                ("cloister_transactions_refused_at_execution_total{", "rule=\"", "execution"),
            ] where name.hasPrefix(prefix) {
                guard let start = name.range(of: label) else { continue }
                let reason = name[start.upperBound...].prefix { $0 != "\"" }
                let count = Int(metric(name))
                if count > 0 { out["\(kind): \(reason)", default: 0] += count }
            }
        }
        // Accepted, then dropped by a full mempool: each waited behind a nonce that was refused.
        let evicted = Int(metric("cloister_transactions_evicted_total"))
        if evicted > 0 { out["mempool: evicted behind a refused nonce"] = evicted }
        return out
    }

    var latencies: [Double] { state.latencies.map(\.milliseconds).sorted() }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(sorted.count - 1, max(0, rank))]
    }

    /// Per second: transfers executed, transfers accepted, p99 receipt latency of the transfers due in that second.
    var perSecond: [(second: Int, executed: Double, accepted: Double, p99: Double?)] {
        guard let end = series.last?.time, end > 0 else { return [] }
        func value(at time: Double, _ key: KeyPath<LoadDriver.Snapshot, Int>) -> Double {
            // Linear between the snapshots around `time`.
            guard let after = series.firstIndex(where: { $0.time >= time }) else { return Double(series.last![keyPath: key]) }
            let b = series[after]
            let a = after > 0 ? series[after - 1] : LoadDriver.Snapshot(
                time: 0, sent: 0, accepted: baseline.accepted, refused: 0, included: baseline.included, pending: 0, latestBatch: 0,
                l1Committed: 0, l1Proven: 0, l1Executed: 0, nodeRSS: 0)
            guard b.time > a.time else { return Double(b[keyPath: key]) }
            return Double(a[keyPath: key]) + (Double(b[keyPath: key] - a[keyPath: key])) * (time - a.time) / (b.time - a.time)
        }
        var buckets = [Int: [Double]]()
        for sample in state.latencies { buckets[Int(sample.sentAt), default: []].append(sample.milliseconds) }
        return (0..<Int(end.rounded(.down))).map { second in
            let t0 = Double(second), t1 = Double(second + 1)
            return (
                second, value(at: t1, \.included) - value(at: t0, \.included), value(at: t1, \.accepted) - value(at: t0, \.accepted),
                buckets[second].flatMap { Self.percentile($0.sorted(), 0.99) }
            )
        }
    }
}

/// The human summary, the JSON file and the SVG chart of one `cloister bench` invocation.
struct BenchReport {
    let runs: [BenchResult]
    let bound: RecoveryBound
    let signingSeconds: Double
    let presigned: Int
    let cores: Int
    let benchPeakMemory: Int
    /// The prover timed alone after the runs, when a run's node finished no proof.
    var proverAlone: ProverSample? = nil

    /// One batch of transfers proved by itself on every core (the way `cloister proof bench` does).
    struct ProverSample: Sendable {
        let transfers: Int
        let proveSeconds: Double
        var transfersPerSecond: Double { proveSeconds > 0 ? Double(transfers) / proveSeconds : 0 }
    }

    /// What the prover sustains for `run`: its node's own pace when it finished a proof, else
    /// the batch proved alone after the runs.
    func proverCapacity(_ run: BenchResult) -> (tps: Double, source: String)? {
        if let capacity = run.proverCapacityTPS { return (capacity, "node") }
        guard run.prover != "none", let proverAlone else { return nil }
        return (proverAlone.transfersPerSecond, "alone after the runs")
    }

    /// The summary's first figure: what the chain proves in steady state, and the window rate.
    func sustainedLine(_ run: BenchResult) -> String {
        let window = "\(f(run.provenTPS, 1)) /s over the whole \(f(run.window, 1)) s window (its first batch's fill and proof included)"
        guard let steady = run.steadyProven else {
            return "\(f(run.provenTPS, 1)) transfers/s proven and accepted by the L1 (fewer than two proofs accepted: no steady rate)"
        }
        return "\(f(steady.tps, 1)) transfers/s proven and accepted by the L1 in steady state (\(steady.transactions) "
            + "between the first and the last acceptance, \(f(steady.seconds, 1)) s apart); \(window)"
    }

    /// What the proof figures mean, for the JSON and the summary.
    func proofsNote(_ run: BenchResult) -> String {
        guard run.prover != "none" else { return "prover = none: batches are committed, never proven (the sequencer alone)" }
        if run.prover == "external" {
            return "proofs made by \(run.provers) `cloister prover` process(es) from the PostgreSQL queue, on the same cores as the "
                + "node and this load generator: the sustained line is their proven rate (a fleet on machines of its own adds "
                + "about one machine's proving rate per worker)"
        }
        guard let (capacity, source) = proverCapacity(run) else {
            return "no proof finished during the run: the prover runs at idle priority, so a load that takes both cores leaves it none; run at a --rate below flat out, or see `cloister proof bench`"
        }
        let sustainable = String(format: "%.0f", capacity)
        var note = "the prover sustains about \(sustainable) transfers/s on these cores"
        if source != "node", let proverAlone {
            note = "no proof finished during the run; proved alone after the runs, a batch of \(proverAlone.transfers) transfers took "
                + String(format: "%.1f", proverAlone.proveSeconds) + " s on every core: " + note
        }
        return note
            + (run.executedTPS > capacity * 1.1
                ? "; executing faster than that, proof lag grows with the backlog" : "; at this rate proof lag stays bounded")
    }

    private func f(_ value: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", value) }
    private func mib(_ bytes: Int) -> String { f(Double(bytes) / 1_048_576, 1) + " MiB" }
    private func ms(_ value: Double?) -> String { value.map { f($0, 1) + " ms" } ?? "n/a" }

    func summary() -> String {
        var lines = [String]()
        let first = runs[0]
        let settings = first.settings
        lines.append("cloister bench: \(settings.rate.map { "\(Int($0)) transfers/s" } ?? "flat out") for \(f(settings.duration, 1)) s, "
            + "\(settings.connections) keep-alive connections, \(settings.batch) transfer(s) per request, \(first.members) senders, "
            + "a block every \(settings.blockIntervalMilliseconds) ms, prover "
            + (first.prover == "background"
                ? "stark at idle priority" : first.prover == "stark" ? "stark at normal priority"
                : first.prover == "external" ? "\(first.provers) `cloister prover` process(es) on the same machine" : "none")
            + ", store \(first.store)")
        lines.append("machine: \(cores) cores shared by the node, its embedded L1 mock and this load generator")
        lines.append(
            "secp256k1 recovery bound: \(f(bound.oneCore)) /s on one core, \(f(bound.twoCores)) /s on two "
                + "(medians of \(bound.twoCoreSamples.count) timings before and after the runs; two cores ranged "
                + "\(f(bound.twoCoreSamples.min() ?? 0))–\(f(bound.twoCoreSamples.max() ?? 0)) /s)")
        lines.append("pre-signed \(presigned) transfers in \(f(signingSeconds, 1)) s")
        for run in runs {
            let sorted = run.latencies
            lines.append("")
            lines.append("== state of \(run.accounts) accounts (\(run.members + 1) members, \(run.synthetic) synthetic); node up in \(f(run.startupSeconds, 1)) s")
            lines.append(
                "sustained   " + (run.prover == "none" ? "n/a (prover none)" : sustainedLine(run))
                    + ", beside \(f(run.executedTPS)) /s executed")
            lines.append("sent        \(run.state.sent) (\(f(run.sentTPS)) /s over \(f(run.state.sendingEnded, 1)) s)"
                + (run.state.exhausted ? "  [ran out of pre-signed transfers: pass --transfers]" : ""))
            lines.append("accepted    \(run.state.accepted) (\(f(run.acceptedTPS)) /s)")
            lines.append("executed    \(run.executed) (\(f(run.executedTPS)) /s end to end, last seen executed at \(f(run.executedEnd, 1)) s)"
                + (run.failed > 0 ? "; \(run.failed) failed receipts" : ""))
            lines.append("            \(f(100 * run.executedTPS / max(bound.twoCores, 1), 1)) % of the two-core recovery bound")
            lines.append("receipt latency p50 \(ms(BenchResult.percentile(sorted, 0.5)))  p99 \(ms(BenchResult.percentile(sorted, 0.99)))  "
                + "p999 \(ms(BenchResult.percentile(sorted, 0.999)))  (\(sorted.count) samples"
                + (run.state.unresolvedSamples > 0 ? ", \(run.state.unresolvedSamples) never executed" : "") + ")")
            let refusals = run.refusals
            if refusals.isEmpty && run.state.refused == 0 {
                lines.append("refusals    none")
            } else {
                lines.append("refusals    \(run.state.refused) answered as JSON-RPC errors; by reason (node metrics):")
                for (reason, count) in refusals.sorted(by: { $0.value > $1.value }) { lines.append("              \(count)  \(reason)") }
                for (code, count) in run.state.refusalCodes.sorted(by: { $0.key < $1.key }) {
                    lines.append("              client saw code \(code) × \(count), e.g. \(run.state.refusalExamples[code] ?? "")")
                }
            }
            if run.state.transportErrors + run.state.httpErrors > 0 {
                lines.append("errors      \(run.state.transportErrors) transfers lost to connection errors, \(run.state.httpErrors) to HTTP errors")
            }
            lines.append("batches     per minute: closed \(f(run.perMinute(run.closed), 1)), sealed \(f(run.perMinute(run.sealed), 1)), committed \(f(run.perMinute(run.committed), 1)), "
                + "proven \(f(run.perMinute(run.proven), 1)), executed \(f(run.perMinute(run.l1Executed), 1))  (over \(f(run.window, 1)) s); "
                + "block production paused for the state tree \(run.pausesForStateTree) times")
            if run.prover == "none" {
                lines.append("proven      n/a: \(proofsNote(run))")
            } else {
                lines.append(
                    "proven      \(f(run.provenTPS, 1)) transfers/s accepted by the L1; \(run.proofsMade) proofs made; prover "
                        + (proverCapacity(run).map { f($0.tps, 1) + ($0.source == "node" ? " transfers/s while proving" : " transfers/s alone") } ?? "n/a")
                        + "; proof lag " + (run.proofLagSeconds.map { f($0, 1) + " s" } ?? "n/a")
                        + "; \(run.unprovenBatches) sealed batches not yet proven")
                lines.append("            \(proofsNote(run))")
            }
            lines.append("memory      node + embedded L1 mock (one process) peak \(mib(run.nodePeakMemory))")
        }
        lines.append("")
        lines.append("load generator peak memory \(mib(benchPeakMemory)) (holds the pre-signed transfers)")
        if runs.count > 1 {
            lines.append("")
            lines.append("growth (same load, fresh node each):")
            lines.append("accounts".padding(toLength: 12, withPad: " ", startingAt: 0) + "executed/s  accepted/s  p50 ms   p99 ms   p999 ms  node peak   vs first")
            for run in runs {
                let sorted = run.latencies
                func col(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
                lines.append(
                    col(String(run.accounts), 12) + col(f(run.executedTPS), 12) + col(f(run.acceptedTPS), 12)
                        + col(BenchResult.percentile(sorted, 0.5).map { f($0, 1) } ?? "n/a", 9)
                        + col(BenchResult.percentile(sorted, 0.99).map { f($0, 1) } ?? "n/a", 9)
                        + col(BenchResult.percentile(sorted, 0.999).map { f($0, 1) } ?? "n/a", 9) + col(mib(run.nodePeakMemory), 12)
                        + f(run.executedTPS / max(runs[0].executedTPS, 1), 2))
            }
        }
        return lines.joined(separator: "\n")
    }

    private func runObject(_ run: BenchResult) -> [String: Any] {
        let sorted = run.latencies
        func number(_ value: Double?) -> Any { value.map { ($0 * 100).rounded() / 100 } ?? NSNull() }
        return [
            "accounts": run.accounts, "members": run.members + 1, "synthetic_accounts": run.synthetic,
            "node_startup_seconds": number(run.startupSeconds),
            "sent": run.state.sent, "accepted": run.state.accepted, "executed": run.executed, "failed_receipts": run.failed,
            "sent_tps": number(run.sentTPS), "accepted_tps": number(run.acceptedTPS), "executed_tps": number(run.executedTPS),
            "sending_seconds": number(run.state.sendingEnded), "executed_by_seconds": number(run.executedEnd),
            "ran_out_of_presigned": run.state.exhausted,
            "fraction_of_recovery_bound_two_cores": number(run.executedTPS / max(bound.twoCores, 1)),
            "latency_ms": [
                "p50": number(BenchResult.percentile(sorted, 0.5)), "p99": number(BenchResult.percentile(sorted, 0.99)),
                "p999": number(BenchResult.percentile(sorted, 0.999)), "max": number(sorted.last), "samples": sorted.count,
                "never_executed_samples": run.state.unresolvedSamples,
                "receipt_poll_interval_ms": 10,
            ] as [String: Any],
            "refusals": run.refusals, "refused_json_rpc": run.state.refused,
            "refused_json_rpc_by_code": Dictionary(uniqueKeysWithValues: run.state.refusalCodes.map { (String($0.key), $0.value) }),
            "transport_errors": run.state.transportErrors, "http_errors": run.state.httpErrors,
            "batches": [
                "window_seconds": number(run.window), "closed": run.closed, "paused_for_state_tree": run.pausesForStateTree,
                "sealed": run.sealed, "committed": run.committed, "proven": run.proven,
                "executed": run.l1Executed, "sealed_per_minute": number(run.perMinute(run.sealed)),
                "committed_per_minute": number(run.perMinute(run.committed)), "proven_per_minute": number(run.perMinute(run.proven)),
                "executed_per_minute": number(run.perMinute(run.l1Executed)),
            ] as [String: Any],
            "proven_tps": number(run.provenTPS), "steady_proven_tps": number(run.steadyProven?.tps), "proof_lag_seconds": number(run.proofLagSeconds),
            "prover": run.prover, "store": run.store, "provers": run.provers, "proofs_made": run.proofsMade, "prover_capacity_tps": number(proverCapacity(run)?.tps),
            "prover_capacity_source": proverCapacity(run)?.source ?? NSNull(),
            "unproven_batches": run.unprovenBatches, "proofs": proofsNote(run),
            "peak_memory_bytes": ["node_and_embedded_l1_mock": run.nodePeakMemory, "l1_mock_separately": NSNull()] as [String: Any],
            "series": run.perSecond.map { point in
                ["second": point.second, "executed": number(point.executed), "accepted": number(point.accepted), "p99_ms": number(point.p99)]
                    as [String: Any]
            },
        ]
    }

    func json() throws -> Data {
        let settings = runs[0].settings
        var top = runObject(runs[0])
        top["recovery_bound_tps_one_core"] = (bound.oneCore).rounded()
        top["recovery_bound_tps_two_cores"] = (bound.twoCores).rounded()
        top["recovery_bound_samples"] = [
            "one_core": bound.oneCoreSamples.map { $0.rounded() }, "two_cores": bound.twoCoreSamples.map { $0.rounded() },
        ]
        top["cores"] = cores
        top["load"] = [
            "duration_seconds": settings.duration, "rate": settings.rate.map { $0 as Any } ?? "flat out",
            "connections": settings.connections, "transfers_per_request": settings.batch, "senders": settings.senders,
            "block_interval_ms": settings.blockIntervalMilliseconds,
            "latency_sample_every": settings.sampleEvery, "presigned": presigned, "signing_seconds": (signingSeconds * 100).rounded() / 100,
            "generator": "in the bench process, one event-loop thread, sharing the cores with the node",
        ] as [String: Any]
        top["load_generator_peak_memory_bytes"] = benchPeakMemory
        top["prover_alone"] =
            proverAlone.map {
                [
                    "transfers": $0.transfers, "prove_seconds": ($0.proveSeconds * 100).rounded() / 100,
                    "transfers_per_second": ($0.transfersPerSecond * 100).rounded() / 100, "threads": "every core",
                ] as [String: Any]
            } ?? NSNull()
        top["runs"] = runs.map(runObject)
        return try JSONSerialization.data(withJSONObject: top, options: [.prettyPrinted, .sortedKeys])
    }

    /// Two panels: executed transfers per second, and the p99 receipt latency per second, one line per run.
    func svg() -> String {
        let width = 900.0, panel = 220.0, left = 70.0, right = 20.0, top = 40.0, gap = 60.0
        let height = top + panel * 2 + gap + 50
        let colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]
        let points = runs.map(\.perSecond)
        let seconds = max(1, points.map(\.count).max() ?? 1)
        let maxTPS = niceCeiling(points.flatMap { $0.map(\.executed) }.max() ?? 1)
        let maxP99 = niceCeiling(points.flatMap { $0.compactMap(\.p99) }.max() ?? 1)
        let plotWidth = width - left - right
        func x(_ second: Double) -> Double { left + plotWidth * second / Double(seconds) }
        func esc(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(left)" y="20" font-size="14">\(esc("cloister bench: executed transfers per second and p99 receipt latency"))</text>

            """
        for (index, (title, maxValue)) in [("executed transfers / s", maxTPS), ("p99 receipt latency (ms)", maxP99)].enumerated() {
            let y0 = top + Double(index) * (panel + gap)
            out += "<rect x=\"\(left)\" y=\"\(y0)\" width=\"\(plotWidth)\" height=\"\(panel)\" fill=\"none\" stroke=\"#999\"/>\n"
            out += "<text x=\"\(left)\" y=\"\(y0 - 6)\">\(esc(title))</text>\n"
            for tick in 0...4 {
                let value = maxValue * Double(tick) / 4
                let y = y0 + panel - panel * Double(tick) / 4
                out += "<line x1=\"\(left - 4)\" y1=\"\(f(y, 1))\" x2=\"\(left + plotWidth)\" y2=\"\(f(y, 1))\" stroke=\"#eee\"/>\n"
                out += "<text x=\"\(left - 8)\" y=\"\(f(y + 4, 1))\" text-anchor=\"end\">\(f(value))</text>\n"
            }
            for (runIndex, run) in points.enumerated() {
                let path = run.compactMap { point -> String? in
                    guard let value = index == 0 ? point.executed : point.p99 else { return nil }
                    let y = y0 + panel - panel * min(value, maxValue) / maxValue
                    return "\(f(x(Double(point.second) + 0.5), 1)),\(f(y, 1))"
                }
                guard !path.isEmpty else { continue }
                out += "<polyline fill=\"none\" stroke=\"\(colours[runIndex % colours.count])\" stroke-width=\"1.5\" points=\"\(path.joined(separator: " "))\"/>\n"
            }
        }
        let axisY = top + panel * 2 + gap
        for tick in 0...5 {
            let second = Double(seconds) * Double(tick) / 5
            out += "<text x=\"\(f(x(second), 1))\" y=\"\(f(axisY + 16, 1))\" text-anchor=\"middle\">\(f(second)) s</text>\n"
        }
        for (runIndex, run) in runs.enumerated() {
            let y = axisY + 36
            let xPos = left + Double(runIndex) * 200
            out += "<rect x=\"\(f(xPos, 1))\" y=\"\(f(y - 9, 1))\" width=\"12\" height=\"3\" fill=\"\(colours[runIndex % colours.count])\"/>\n"
            out += "<text x=\"\(f(xPos + 16, 1))\" y=\"\(f(y, 1))\">\(run.accounts) accounts</text>\n"
        }
        out += "</svg>\n"
        return out
    }

    private func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        let magnitude = pow(10, (log10(value)).rounded(.down))
        for step in [1.0, 2, 2.5, 5, 10] where step * magnitude >= value { return step * magnitude }
        return 10 * magnitude
    }
}
