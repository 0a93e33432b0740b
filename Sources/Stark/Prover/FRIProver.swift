import Primitives
import StarkCrypto
import StarkMath

/// FRI's commit and query phases on the prover's side.
///
/// Layer ℓ lives on the coset c^(f^ℓ)·⟨ω_N^(f^ℓ)⟩ (f = folding factor). Its Merkle leaves
/// are cosets of f values: leaf j holds the values at positions j, j + N_ℓ/f, …, whose
/// points are x_j·ζᵏ (ζ a primitive f-th root of unity). Folding writes
/// f(x) = Σₘ xᵐ·fₘ(x^f) and keeps Σₘ βᵐ·fₘ(y): per leaf an inverse DFT of size f,
/// then a Horner step in β/x_j. After the last layer the remaining values are
/// interpolated and sent as the remainder's coefficients.
struct FRIProver<E: FieldElement> {
    let parameters: ProofParameters

    func commit(_ values: [E], transcript: inout Transcript) -> (trees: [MerkleTree], layers: [[E]], remainder: [E]) {
        let folding = parameters.options.friFoldingFactor
        let degree = E.extensionDegree
        var current = values
        var offset = parameters.domainOffset
        var trees = [MerkleTree]()
        var layers = [[E]]()
        for _ in 0..<parameters.friLayerCount {
            let size = current.count
            let leafCount = size / folding
            let tree = current.withUnsafeBufferPointer { layer in
                commitRows(rowCount: leafCount, rowWidth: folding * degree) { leaf, out in
                    for k in 0..<folding { Coordinates.write(layer[leaf + k * leafCount], to: out + k * degree) }
                }
            }
            transcript.absorb(label: "fri-layer-root", digest: tree.root)
            let beta: E = transcript.drawElement()
            let folded = fold(current, offset: offset, beta: beta)
            trees.append(tree)
            layers.append(current)
            current = folded
            offset = offset.power(UInt64(folding))
        }
        let plan = try! NTTPlan(size: current.count)
        let coefficients = plan.interpolateFromCoset(evaluations: current, offset: offset)
        return (trees, layers, Array(coefficients[0..<parameters.remainderCoefficientCount]))
    }

    /// The folded layer (size N_ℓ / f) for challenge β.
    func fold(_ values: [E], offset: Goldilocks, beta: E) -> [E] {
        let folding = parameters.options.friFoldingFactor
        let size = values.count
        let leafCount = size / folding
        let omega = try! Goldilocks.rootOfUnity(order: size)
        let omegaInverse = omega.inverseOfNonZero()
        let offsetInverse = offset.inverseOfNonZero()
        // inverseDFT[m·f + k] = ζ^(−m·k) / f.
        let zeta = try! Goldilocks.rootOfUnity(order: folding)
        let zetaInverse = zeta.inverseOfNonZero()
        let foldingInverse = Goldilocks(reducing: UInt64(folding)).inverseOfNonZero()
        var inverseDFT = [Goldilocks]()
        for m in 0..<folding {
            for k in 0..<folding { inverseDFT.append(zetaInverse.power(UInt64(m * k)) * foldingInverse) }
        }
        var result = [E](repeating: .zero, count: leafCount)
        values.withUnsafeBufferPointer { layer in
            inverseDFT.withUnsafeBufferPointer { matrix in
                result.withUnsafeMutableBufferPointer { output in
                    Parallelism.automatic.forEachChunk(count: leafCount, minimumChunk: 1 << 10) { range in
                        var xInverse = offsetInverse * omegaInverse.power(UInt64(range.lowerBound))
                        for j in range {
                            let step = beta * xInverse
                            var accumulator = E.zero
                            var m = folding - 1
                            while m >= 0 {
                                var coefficient = E.zero
                                for k in 0..<folding {
                                    coefficient += layer[j + k * leafCount] * matrix[m * folding + k]
                                }
                                accumulator = accumulator * step + coefficient
                                m -= 1
                            }
                            output[j] = accumulator
                            xInverse = xInverse * omegaInverse
                        }
                    }
                }
            }
        }
        return result
    }

    /// For each layer, the cosets holding the query positions, with one batched path.
    func open(positions: [Int], trees: [MerkleTree], values: [[E]]) -> [MerkleOpening] {
        let folding = parameters.options.friFoldingFactor
        let degree = E.extensionDegree
        var openings = [MerkleOpening]()
        let scratch = UnsafeMutablePointer<Goldilocks>.allocate(capacity: degree)
        defer { scratch.deallocate() }
        for (layer, tree) in trees.enumerated() {
            let leafCount = values[layer].count / folding
            let leaves = Array(Set(positions.map { $0 % leafCount })).sorted()
            var opened = [Goldilocks]()
            opened.reserveCapacity(leaves.count * folding * degree)
            for leaf in leaves {
                for k in 0..<folding {
                    Coordinates.write(values[layer][leaf + k * leafCount], to: scratch)
                    for c in 0..<degree { opened.append(scratch[c]) }
                }
            }
            openings.append(
                MerkleOpening(values: opened, salts: [], siblings: try! tree.multiProof(for: leaves).siblings))
        }
        return openings
    }
}
