// Benchmarks of the proof math's hot paths. Run with
//   CLOISTER_BENCHMARKS=1 swift package --disable-sandbox benchmark --target ProofMathBenchmarks
// Targets (issue 3): RPO permutation ≤ 10 µs, NTT 2^20 ≤ 80 ms on two cores,
// account-tree update ≤ 400 µs.
import Benchmark
import StarkCrypto
import StarkMath
import StateTree

/// Mutable data made once by a benchmark's setup and reused by every iteration.
final class Workspace<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

func randomElements(_ count: Int) -> [Goldilocks] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in Goldilocks.random(using: &generator) }
}

func randomDigest(_ generator: inout some RandomNumberGenerator) -> RPODigest {
    RPODigest(
        .random(using: &generator), .random(using: &generator), .random(using: &generator), .random(using: &generator))
}

func randomDigests(_ count: Int) -> [RPODigest] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in randomDigest(&generator) }
}

/// A tree of 2^16 rows of 8 elements and 57 query positions (the proven-security query count).
func openingWorkspace() throws -> Workspace<(MerkleTree, [Int])> {
    var generator = SystemRandomNumberGenerator()
    let tree = try MerkleTree(rows: randomElements(8 << 16), rowWidth: 8)
    let indices = (0..<57).map { _ in Int.random(in: 0..<(1 << 16), using: &generator) }
    return Workspace((tree, indices))
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(2))

    // MARK: - Field

    Benchmark("Goldilocks multiply, dependent chain (latency)", configuration: .init(scalingFactor: .mega)) {
        benchmark in
        var accumulator = Goldilocks(reducing: 0x1234_5678_9ABC_DEF0)
        let factor = Goldilocks(reducing: 0x0FED_CBA9_8765_4321)
        for _ in benchmark.scaledIterations { accumulator = accumulator * factor }
        blackHole(accumulator)
    }

    // Throughput: 4096 independent products per iteration (divide the time by 4096).
    Benchmark("Goldilocks multiply, 4096 independent products (throughput)") { benchmark, workspace in
        let factors = workspace.value.factors
        for _ in benchmark.scaledIterations {
            workspace.value.values.withUnsafeMutableBufferPointer { values in
                factors.withUnsafeBufferPointer { factors in
                    for index in 0..<values.count { values[index] = values[index] * factors[index] }
                }
            }
        }
        blackHole(workspace.value.values)
    } setup: {
        Workspace((values: randomElements(4096), factors: randomElements(4096)))
    }

    Benchmark("Cubic extension multiply, dependent chain", configuration: .init(scalingFactor: .kilo)) { benchmark in
        var accumulator = CubicExtension(3, 5, 7)
        let factor = CubicExtension(11, 13, 17)
        for _ in benchmark.scaledIterations { accumulator = accumulator * factor }
        blackHole(accumulator)
    }

    Benchmark("Goldilocks batch inversion of 4096") { benchmark, workspace in
        for _ in benchmark.scaledIterations { blackHole(try? Goldilocks.batchInverse(workspace.value)) }
    } setup: {
        Workspace(randomElements(4096))
    }

    // MARK: - NTT

    for logSize in [16, 20] {
        for (label, parallelism) in [("one core", Parallelism.serial), ("all cores", Parallelism.automatic)] {
            Benchmark(
                "NTT forward 2^\(logSize), \(label)",
                configuration: .init(maxDuration: .seconds(3))
            ) { benchmark, workspace in
                for _ in benchmark.scaledIterations {
                    workspace.value.plan.forward(&workspace.value.values, parallelism: parallelism)
                }
                blackHole(workspace.value.values)
            } setup: {
                Workspace((plan: try NTTPlan(size: 1 << logSize), values: randomElements(1 << logSize)))
            }
        }
    }

    Benchmark(
        "Low-degree extension 2^17 → 2^20 (blowup 8), all cores",
        configuration: .init(maxDuration: .seconds(3))
    ) { benchmark, workspace in
        for _ in benchmark.scaledIterations {
            blackHole(
                workspace.value.plan.evaluateOnCoset(
                    coefficients: workspace.value.coefficients, offset: .multiplicativeGenerator))
        }
    } setup: {
        Workspace((plan: try NTTPlan(size: 1 << 20), coefficients: randomElements(1 << 17)))
    }

    // MARK: - RPO

    Benchmark("RPO-256 permutation", configuration: .init(scalingFactor: .kilo)) { benchmark in
        var state = RPOState(randomElements(12))
        for _ in benchmark.scaledIterations { RPO256.permute(&state) }
        blackHole(state)
    }

    Benchmark("RPO-256 merge", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let digests = randomDigests(2)
        var digest = digests[0]
        for _ in benchmark.scaledIterations { digest = RPO256.merge(digest, digests[1]) }
        blackHole(digest)
    }

    // MARK: - SHA-256 Merkle tree

    for (label, parallelism) in [("one core", Parallelism.serial), ("all cores", Parallelism.automatic)] {
        Benchmark(
            "SHA-256 Merkle tree of 2^16 rows × 64 elements, \(label)",
            configuration: .init(maxDuration: .seconds(3))
        ) { benchmark, workspace in
            for _ in benchmark.scaledIterations {
                blackHole(try? MerkleTree(rows: workspace.value, rowWidth: 64, parallelism: parallelism))
            }
        } setup: {
            Workspace(randomElements(64 << 16))
        }
    }

    Benchmark("SHA-256 Merkle multi-opening of 57 leaves of 2^16, open + verify") { benchmark, workspace in
        let (tree, indices) = workspace.value
        for _ in benchmark.scaledIterations {
            let leaves = indices.map { try! tree.leaf(at: $0) }
            let proof = try! tree.multiProof(for: indices)
            try! proof.verify(root: tree.root, leafCount: tree.leafCount, indices: indices, leaves: leaves)
            blackHole(proof)
        }
    } setup: {
        try openingWorkspace()
    }

    // MARK: - Account tree

    Benchmark("Account tree update (65,536 accounts)", configuration: .init(scalingFactor: .kilo)) {
        benchmark, workspace in
        var generator = SystemRandomNumberGenerator()
        let count = workspace.value.count
        for _ in benchmark.scaledIterations {
            try? workspace.value.update(
                slot: Int.random(in: 0..<count, using: &generator), to: randomDigest(&generator))
        }
        blackHole(workspace.value.root)
    } setup: {
        Workspace(try AccountTree.rebuilt(from: randomDigests(1 << 16)))
    }

    Benchmark("Account tree batch update of 1,024 slots (65,536 accounts), all cores") { benchmark, workspace in
        var generator = SystemRandomNumberGenerator()
        let count = workspace.value.count
        for _ in benchmark.scaledIterations {
            let changes = (0..<1024).map { _ in
                (slot: Int.random(in: 0..<count, using: &generator), leaf: randomDigest(&generator))
            }
            try? workspace.value.update(changes)
        }
        blackHole(workspace.value.root)
    } setup: {
        Workspace(try AccountTree.rebuilt(from: randomDigests(1 << 16)))
    }

    Benchmark("Account tree membership proof + verify", configuration: .init(scalingFactor: .kilo)) {
        benchmark, workspace in
        let tree = workspace.value
        for index in benchmark.scaledIterations {
            let slot = index % tree.count
            let proof = try! tree.proof(for: slot)
            blackHole(proof.verify(leaf: try! tree.leaf(at: slot), root: tree.root))
        }
    } setup: {
        Workspace(try AccountTree.rebuilt(from: randomDigests(1 << 16)))
    }

    Benchmark(
        "Account tree rebuild of 2^20 accounts, all cores",
        configuration: .init(
            metrics: [.wallClock, .peakMemoryResident], maxDuration: .seconds(30), maxIterations: 3)
    ) { benchmark, workspace in
        for _ in benchmark.scaledIterations {
            blackHole(try? AccountTree.rebuilt(from: workspace.value).memoryFootprint)
        }
    } setup: {
        Workspace(randomDigests(1 << 20))
    }
}
