import Primitives
import StarkCrypto
import StarkMath

/// Polynomials and the salted Merkle commitment of their values' rows on the evaluation
/// domain. The values were extended and hashed one coset at a time
/// (``ProverRun/commit(_:keep:salts:)``); they are kept only when the prover's budget
/// allows (``cosets``), and otherwise the few rows a proof opens are evaluated again
/// from the coefficients (``opening(at:)``).
struct CommittedColumns<F: FieldElement> {
    let polynomials: [[F]]
    let tree: MerkleTree
    let salts: LeafSalts
    /// The evaluation domain `offset·⟨generator⟩`: row j is the polynomials at offset·generatorʲ.
    let offset: Goldilocks
    let generator: Goldilocks
    /// The extension, coset k's n rows in `cosets[k]` (row j is coset j mod b, row j / b),
    /// when it was kept; empty when it was streamed.
    let cosets: [ColumnMatrix<F>]

    /// The rows at `positions` (each the columns' Goldilocks coordinates), their salts and
    /// one batched Merkle path.
    func opening(at positions: [Int]) -> MerkleOpening {
        let salts = positions.map { self.salts.salt(at: $0) }
        let siblings = try! tree.multiProof(for: positions).siblings
        guard cosets.isEmpty else {
            let blowup = cosets.count
            var values = [Goldilocks]()
            values.reserveCapacity(positions.count * polynomials.count * F.extensionDegree)
            for position in positions {
                let coset = cosets[position % blowup]
                for column in 0..<polynomials.count {
                    values += coset.column(column)[position / blowup].baseElements
                }
            }
            return MerkleOpening(values: values, salts: salts, siblings: siblings)
        }
        let distinct = Array(Set(positions)).sorted()
        let points = distinct.map { offset * generator.power(UInt64($0)) }
        let rows = OpenedRows.evaluate(polynomials, at: points)
        let rowWidth = polynomials.count * F.extensionDegree
        let slot = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, $0) })
        var values = [Goldilocks]()
        values.reserveCapacity(positions.count * rowWidth)
        for position in positions {
            let start = slot[position]! * rowWidth
            values.append(contentsOf: rows[start..<(start + rowWidth)])
        }
        return MerkleOpening(values: values, salts: salts, siblings: siblings)
    }
}

/// Which commitments keep their whole extension (``StarkProver/keptExtensionBytes``):
/// the trace's if it fits the budget, then the auxiliary segment's if the trace's was
/// kept and it fits what is left, then the composition's likewise. In that order each
/// saves the most: the trace extension would be computed twice and opened at the most
/// columns; the composition's only opened.
struct KeptExtensions {
    let trace: Bool
    let auxiliary: Bool
    let composition: Bool

    init(parameters: ProofParameters, extensionElementBytes: Int, budget: Int) {
        var left = budget
        func fits(_ columns: Int, elementBytes: Int) -> Bool {
            let bytes = columns * parameters.domainSize * elementBytes
            guard bytes <= left else { return false }
            left -= bytes
            return true
        }
        trace = fits(parameters.traceWidth, elementBytes: MemoryLayout<Goldilocks>.stride)
        auxiliary = trace && fits(parameters.auxiliaryWidth, elementBytes: extensionElementBytes)
        composition = auxiliary && fits(parameters.segmentCount + 1, elementBytes: extensionElementBytes)
    }
}

// MARK: - Commitment, one coset at a time

extension ProverRun {
    /// Commits to the rows of `polynomials` on the evaluation domain, each leaf with a
    /// salt (from a fresh random seed unless `salts` are given: the tests' hook).
    ///
    /// The domain of N = b·n points is b cosets of n points (natural index b·i + k is
    /// coset k's value i): each coset is extended from the coefficients with one size-n
    /// transform per column and its rows hashed into their leaves. Unless `keep`, the
    /// next coset reuses the buffer, so the commitment holds one coset (1/b of the
    /// extension) and the tree; either way its root is the one the whole extension's
    /// rows give.
    func commit<F: FieldElement>(_ polynomials: [[F]], keep: Bool, salts: LeafSalts? = nil) -> CommittedColumns<F> {
        let domainSize = parameters.domainSize
        let n = parameters.traceLength
        let blowup = parameters.options.blowupFactor
        let salts = salts ?? LeafSalts.random()
        let columnCount = polynomials.count
        let degree = F.extensionDegree
        let rowWidth = columnCount * degree
        let buffer = keep ? nil : ColumnMatrix<F>(rowCount: n, columnCount: columnCount)
        var kept = [ColumnMatrix<F>]()
        let tree = try! MerkleTree(leafCount: domainSize) { leaves in
            for k in 0..<blowup {
                let coset = buffer ?? ColumnMatrix<F>(rowCount: n, columnCount: columnCount)
                if keep { kept.append(coset) }
                extendCoset(polynomials, coset: k, into: coset)
                Parallelism.automatic.forEachChunk(count: n, minimumChunk: 512) { rows in
                    let scratch = UnsafeMutableBufferPointer<Goldilocks>.allocate(capacity: rowWidth)
                    defer { scratch.deallocate() }
                    for i in rows {
                        for column in 0..<columnCount {
                            Coordinates.write(coset.column(column)[i], to: scratch.baseAddress! + column * degree)
                        }
                        let position = i * blowup + k
                        leaves[position] = MerkleTree.hashLeaf(
                            UnsafeBufferPointer(scratch), salt: salts.salt(at: position))
                    }
                }
            }
        }
        return CommittedColumns(
            polynomials: polynomials, tree: tree, salts: salts, offset: parameters.domainOffset,
            generator: domainGenerator, cosets: kept)
    }

    /// Coset `k` of a commitment's extension: the kept one, or extended again into
    /// `scratch` (which must be there when the extension was not kept).
    func coset<F: FieldElement>(
        _ k: Int, of committed: CommittedColumns<F>, scratch: ColumnMatrix<F>?
    ) -> ColumnMatrix<F> {
        if !committed.cosets.isEmpty { return committed.cosets[k] }
        extendCoset(committed.polynomials, coset: k, into: scratch!)
        return scratch!
    }

    /// A buffer for one coset of a commitment's extension, or nil if it was kept.
    func cosetScratch<F: FieldElement>(for committed: CommittedColumns<F>) -> ColumnMatrix<F>? {
        committed.cosets.isEmpty
            ? ColumnMatrix<F>(rowCount: parameters.traceLength, columnCount: committed.polynomials.count) : nil
    }

    /// Coset `k` of every polynomial's extension into `matrix` (n rows): row i is the
    /// point offset·ω_N^(b·i + k).
    ///
    /// The coset's shift powers are computed once for all columns. Columns run in
    /// parallel, one group per core, each transform serial; a single column spreads its
    /// transform over the cores.
    func extendCoset<F: FieldElement>(_ polynomials: [[F]], coset k: Int, into matrix: ColumnMatrix<F>) {
        let n = parameters.traceLength
        let plan = tracePlan
        let offset = parameters.domainOffset
        let blowup = parameters.options.blowupFactor
        let columnCount = polynomials.count
        let perColumn: Parallelism = columnCount > 1 ? .serial : .automatic
        let groups = max(1, min(columnCount, Parallelism.coreCount))
        // The floor: `forEachChunk` makes count / minimumChunk chunks, so a rounded-up minimum
        // gave one chunk, on one core, for any odd column count with two cores.
        let shiftPowers = plan.cosetShiftPowers(offset: offset, blowup: blowup, coset: k)
        shiftPowers.withUnsafeBufferPointer { shiftPowers in
            Parallelism.automatic.forEachChunk(count: columnCount, minimumChunk: columnCount / groups) { columns in
                for column in columns {
                    polynomials[column].withUnsafeBufferPointer { coefficients in
                        plan.evaluateOnCoset(
                            coefficients: coefficients, offset: offset, blowup: blowup, coset: k,
                            into: UnsafeMutableBufferPointer(start: matrix.column(column), count: n),
                            shiftPowers: shiftPowers, parallelism: perColumn)
                    }
                }
            }
        }
    }
}

// MARK: - Opened rows

/// Polynomials evaluated at a few base-field points: the rows a proof opens, recomputed
/// from the coefficients instead of kept from the extension.
enum OpenedRows {
    /// Coefficients per block: one block of every point's powers stays in cache while
    /// every column's coordinates are multiplied into it.
    static let block = 512

    /// Row q is every polynomial's value at `points[q]`, as Goldilocks coordinates
    /// (`result[q·w + column·d + c]`, w = columns·d, d = the extension degree).
    ///
    /// Each value is Σₜ aₜ·xᵗ with the products' low and high words summed apart in 128
    /// bits and reduced once (an extension coefficient times a base point is its coordinates
    /// times the point, so each coordinate is such a sum). The coefficients are split
    /// across the cores and the partial sums added.
    static func evaluate<F: FieldElement>(_ polynomials: [[F]], at points: [Goldilocks]) -> [Goldilocks] {
        precondition(MemoryLayout<F>.size == 8 * F.extensionDegree, "extension elements must be packed coordinates")
        let degree = F.extensionDegree
        let sums = polynomials.count * degree * points.count
        let longest = polynomials.map(\.count).max() ?? 0
        guard sums > 0, longest > 0 else { return [Goldilocks](repeating: .zero, count: sums) }
        let chunks = max(1, min(4 * Parallelism.coreCount, longest / (8 * block)))
        let partials = (0..<chunks).map { _ in UnsafeMutableBufferPointer<Goldilocks>.allocate(capacity: sums) }
        defer { for partial in partials { partial.deallocate() } }
        let chunkLength = (longest + chunks - 1) / chunks
        Parallelism.automatic.forEachChunk(count: chunks, minimumChunk: 1) { range in
            for chunk in range {
                let start = chunk * chunkLength
                partialSums(
                    polynomials, at: points, coefficients: start..<min(longest, start + chunkLength),
                    into: partials[chunk])
            }
        }
        var result = [Goldilocks](repeating: .zero, count: sums)
        for partial in partials {
            for index in 0..<sums { result[index] += partial[index] }
        }
        // partialSums lays sums out column-major (column, coordinate, point); rows are point-major.
        let rowWidth = polynomials.count * degree
        var rows = [Goldilocks](repeating: .zero, count: sums)
        for coordinate in 0..<rowWidth {
            for q in 0..<points.count { rows[q * rowWidth + coordinate] = result[coordinate * points.count + q] }
        }
        return rows
    }

    /// Σₜ aₜ·xᵗ over the coefficients `range` of every polynomial's coordinates at every
    /// point, written to `output[(column·d + c)·points + q]`.
    static func partialSums<F: FieldElement>(
        _ polynomials: [[F]], at points: [Goldilocks], coefficients range: Range<Int>,
        into output: UnsafeMutableBufferPointer<Goldilocks>
    ) {
        let degree = F.extensionDegree
        let pointCount = points.count
        let accumulators = UnsafeMutableBufferPointer<UnreducedSum>.allocate(capacity: output.count)
        accumulators.initialize(repeating: UnreducedSum())
        let powers = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: pointCount * block)
        defer {
            accumulators.deallocate()
            powers.deallocate()
        }
        var running = points.map { $0.power(UInt64(range.lowerBound)) }
        var blockStart = range.lowerBound
        while blockStart < range.upperBound {
            let blockEnd = min(range.upperBound, blockStart + block)
            for q in 0..<pointCount {
                var power = running[q]
                for j in 0..<(blockEnd - blockStart) {
                    powers[q * block + j] = power.value
                    power = power * points[q]
                }
                running[q] = power
            }
            for (column, polynomial) in polynomials.enumerated() {
                let end = min(blockEnd, polynomial.count)
                guard end > blockStart else { continue }
                polynomial.withUnsafeBytes { raw in
                    let words = raw.bindMemory(to: UInt64.self).baseAddress! + blockStart * degree
                    for coordinate in 0..<degree {
                        for q in 0..<pointCount {
                            let index = (column * degree + coordinate) * pointCount + q
                            accumulators[index].add(
                                words + coordinate, stride: degree, times: powers.baseAddress! + q * block,
                                count: end - blockStart)
                        }
                    }
                }
            }
            blockStart = blockEnd
        }
        for index in 0..<output.count { output[index] = accumulators[index].reduced }
    }
}
