import Primitives
import StarkCrypto
import StarkMath

/// FRI's query phase on the verifier's side: for every query, each layer's opened coset
/// must hold the value the layer above folds to (layer 0: the DEEP value), and the last
/// fold must agree with the remainder polynomial.
struct FRIVerifier<E: FieldElement> {
    let parameters: ProofParameters

    func verify(proof: StarkProof, positions: [Int], deepValues: [E], foldingChallenges: [E]) throws(StarkError) {
        let folding = parameters.options.friFoldingFactor
        let degree = E.extensionDegree
        var expected = deepValues
        var offset = parameters.domainOffset
        let zetaInverse = (try! Goldilocks.rootOfUnity(order: folding)).inverseOfNonZero()
        for layer in 0..<parameters.friLayerCount {
            let size = parameters.friDomainSize(layer: layer)
            let leafCount = size / folding
            let omega = try! Goldilocks.rootOfUnity(order: size)
            let leaves = Array(Set(positions.map { $0 % leafCount })).sorted()
            let opening = proof.friLayerOpenings[layer]
            let leafWidth = folding * degree
            guard opening.values.count == leaves.count * leafWidth, opening.salts.isEmpty else {
                throw .structureMismatch(
                    "FRI layer \(layer) opens \(opening.values.count) values and \(opening.salts.count) salts; "
                        + "expected \(leaves.count * leafWidth) values and no salts")
            }
            let digests = leaves.indices.map { index in
                opening.values[(index * leafWidth)..<((index + 1) * leafWidth)].withUnsafeBufferPointer {
                    MerkleTree.hashLeaf($0)
                }
            }
            do {
                try MerkleMultiProof(siblings: opening.siblings).verify(
                    root: proof.friLayerRoots[layer], leafCount: leafCount, indices: leaves, leaves: digests)
            } catch {
                throw .merkleOpeningRejected(what: "FRI layer \(layer)", detail: error.description)
            }
            var slotOfLeaf = [Int: Int]()
            for (index, leaf) in leaves.enumerated() { slotOfLeaf[leaf] = index }
            for query in positions.indices {
                let position = positions[query] % size
                let leaf = position % leafCount
                let slot = position / leafCount
                let base = slotOfLeaf[leaf]! * leafWidth
                let coset = (0..<folding).map { k in
                    try! E(baseElements: opening.values[(base + k * degree)..<(base + (k + 1) * degree)])
                }
                guard coset[slot] == expected[query] else {
                    if layer == 0 { throw .deepMismatch(query: query) }
                    throw .friFoldingMismatch(layer: layer, query: query)
                }
                let x = offset * omega.power(UInt64(leaf))
                expected[query] = Self.fold(
                    coset, x: x, beta: foldingChallenges[layer], zetaInverse: zetaInverse)
            }
            offset = offset.power(UInt64(folding))
        }
        // The remainder, evaluated at each query's point of the last domain.
        let remainder: [E] = ExtensionCoordinates.elements(proof.friRemainder)
        let size = parameters.friDomainSize(layer: parameters.friLayerCount)
        let omega = try! Goldilocks.rootOfUnity(order: size)
        for query in positions.indices {
            let x = E(offset * omega.power(UInt64(positions[query] % size)))
            guard Polynomial.evaluate(remainder, at: x) == expected[query] else {
                if parameters.friLayerCount == 0 { throw .deepMismatch(query: query) }
                throw .friRemainderMismatch(query: query)
            }
        }
    }

    /// The value at x^f of the folded polynomial, from the coset values u_k = f(x·ζᵏ):
    /// Σₘ (β/x)ᵐ · (1/f)·Σₖ u_k·ζ^(−m·k).
    static func fold(_ coset: [E], x: Goldilocks, beta: E, zetaInverse: Goldilocks) -> E {
        let folding = coset.count
        let step = beta * x.inverseOfNonZero()
        let scale = Goldilocks(reducing: UInt64(folding)).inverseOfNonZero()
        var result = E.zero
        var stepPower = E.one
        for m in 0..<folding {
            var coefficient = E.zero
            let rotation = zetaInverse.power(UInt64(m))
            var twiddle = Goldilocks.one
            for value in coset {
                coefficient += value * twiddle
                twiddle = twiddle * rotation
            }
            result += stepPower * coefficient * scale
            stepPower = stepPower * step
        }
        return result
    }
}
