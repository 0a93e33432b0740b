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

    // MARK: - State tree

    Benchmark("State tree multi-update: 1,024 transfers among 65,536 accounts, all cores") { benchmark, workspace in
        var generator = SystemRandomNumberGenerator()
        var randomness = WitnessRandomness.system
        for _ in benchmark.scaledIterations {
            let operations = (0..<1024).map { _ in
                LeafOperation(
                    kind: .transfer, fromKey: benchmarkKey(Int.random(in: 0..<(1 << 16), using: &generator)),
                    toKey: benchmarkKey(Int.random(in: 0..<(1 << 16), using: &generator)), asset: benchmarkAsset, amount: 1)
            }
            blackHole(try? workspace.value.apply(operations, randomness: &randomness))
        }
        blackHole(workspace.value.root)
    } setup: {
        Workspace(try benchmarkTree(1 << 16))
    }

    Benchmark("State tree membership proof + verify", configuration: .init(scalingFactor: .kilo)) {
        benchmark, workspace in
        let tree = workspace.value
        for index in benchmark.scaledIterations {
            let slot = index % tree.count
            blackHole(AccountTree.verify(leaf: tree.leaf(at: slot), slot: slot, siblings: tree.siblings(of: slot), root: tree.root))
        }
    } setup: {
        Workspace(try benchmarkTree(1 << 16))
    }

    Benchmark(
        "State tree rebuild of 2^20 leaves, all cores",
        configuration: .init(
            metrics: [.wallClock, .peakMemoryResident], maxDuration: .seconds(30), maxIterations: 3)
    ) { benchmark, workspace in
        for _ in benchmark.scaledIterations {
            blackHole(try? AccountTree(leaves: workspace.value).memoryFootprint)
        }
    } setup: {
        Workspace(try benchmarkTree(1 << 20).leaves)
    }
}

let benchmarkAsset = AccountLeaf.assetID(of: [UInt8](repeating: 0, count: 20))

/// The key of benchmark account `n` (native asset).
func benchmarkKey(_ n: Int) -> Goldilocks {
    AccountLeaf.key(account: withUnsafeBytes(of: UInt64(n).littleEndian) { Array($0) } + [UInt8](repeating: 0, count: 12), asset: [UInt8](repeating: 0, count: 20))
}

/// A tree of `count` funded native holders.
func benchmarkTree(_ count: Int) throws -> AccountTree {
    var tree = AccountTree()
    var randomness = WitnessRandomness.system
    _ = try tree.apply(
        (0..<count).map {
            LeafOperation(kind: .deposit, fromKey: benchmarkKey($0), toKey: benchmarkKey($0), asset: benchmarkAsset, amount: 1 << 40)
        }, randomness: &randomness)
    return tree
}
