// Benchmarks of the STARK prover and verifier on a chain of RPO permutations. Run with
//   make bench BENCHMARK_TARGET=StarkBenchmarks
// Targets (issue 9): 2^16 permutations proved in ≤ 15 s, verified in ≤ 20 ms, proof
// ≤ 200 KiB, with the default (proven ~104-bit) options. Proof sizes are printed once.
import Benchmark
import Stark
import StarkCrypto
import StarkExamples
import StarkMath

/// Mutable data made once by a benchmark's setup and reused by every iteration.
final class Workspace<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

struct ChainStatement {
    let air: RPOChainAIR
    let trace: ExecutionTrace
    let publicInputs: [Goldilocks]
}

func chainStatement(logPermutations: Int) throws -> ChainStatement {
    let air = RPOChainAIR(permutationCount: 1 << logPermutations)
    let (trace, inputs) = try air.trace(input: RPODigest(1, 2, 3, 4), seed: RPODigest(5, 6, 7, 8))
    return ChainStatement(air: air, trace: trace, publicInputs: inputs)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .peakMemoryResident], maxDuration: .seconds(10), maxIterations: 10)

    for logPermutations in [10, 16] {
        let heavy = logPermutations >= 16
        let configuration = Benchmark.Configuration(
            metrics: [.wallClock, .peakMemoryResident], timeUnits: .milliseconds, maxDuration: .seconds(heavy ? 120 : 10),
            maxIterations: heavy ? 5 : 10)

        Benchmark("Prove RPO chain of 2^\(logPermutations) permutations", configuration: configuration) {
            benchmark, statement in
            for _ in benchmark.scaledIterations {
                let proof = try StarkProver.prove(
                    air: statement.value.air, trace: statement.value.trace, publicInputs: statement.value.publicInputs)
                blackHole(proof)
            }
        } setup: {
            Workspace(try chainStatement(logPermutations: logPermutations))
        }

        Benchmark(
            "Verify RPO chain of 2^\(logPermutations) permutations",
            configuration: .init(metrics: [.wallClock], maxDuration: .seconds(5))
        ) { (benchmark: Benchmark, workspace: Workspace<(ChainStatement, [UInt8])>) in
            let (statement, bytes) = workspace.value
            for _ in benchmark.scaledIterations {
                let proof = try StarkProof(decoding: bytes)
                try StarkVerifier.verify(proof: proof, air: statement.air, publicInputs: statement.publicInputs)
            }
        } setup: {
            let statement = try chainStatement(logPermutations: logPermutations)
            let proof = try StarkProver.prove(
                air: statement.air, trace: statement.trace, publicInputs: statement.publicInputs)
            let bytes = proof.encoded()
            let security = SecurityEstimate(options: proof.options, traceLength: statement.air.traceLength)
            print(
                "RPO chain 2^\(logPermutations): proof \(bytes.count) bytes (\(bytes.count / 1024) KiB), \(security)")
            return Workspace<(ChainStatement, [UInt8])>((statement, bytes))
        }
    }
}
