import Primitives
import StarkCrypto
import StarkMath

/// Polynomials and the salted Merkle commitment of their values' rows on the evaluation
/// domain. The values themselves are not kept: they were extended and hashed one coset
/// at a time (``ProverRun/commit(_:salts:)``), and the few rows a proof opens are
/// evaluated again from the coefficients (``opening(at:)``).
struct CommittedColumns<F: FieldElement> {
    let polynomials: [[F]]
    let tree: MerkleTree
    let salts: LeafSalts
    /// The evaluation domain `offset·⟨generator⟩`: row j is the polynomials at offset·generatorʲ.
    let offset: Goldilocks
    let generator: Goldilocks

    /// The rows at `positions` (each the columns' Goldilocks coordinates), their salts and
    /// one batched Merkle path.
    func opening(at positions: [Int]) -> MerkleOpening {
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
        return MerkleOpening(
            values: values, salts: positions.map { salts.salt(at: $0) }, siblings: try! tree.multiProof(for: positions).siblings)
    }
}

// MARK: - Commitment, one coset at a time

extension ProverRun {
    /// Commits to the rows of `polynomials` on the evaluation domain, each leaf with a
    /// salt (from a fresh random seed unless `salts` are given: the tests' hook).
    ///
    /// The domain of N = b·n points is b cosets of n points (natural index b·i + k is
    /// coset k's value i): each coset is extended from the coefficients with one size-n
    /// transform per column, its rows hashed into their leaves, and the next coset
    /// reuses the buffer. So the commitment holds one coset (1/b of the extension) and
    /// the tree, and its root is the one the whole extension's rows give.
    func commit<F: FieldElement>(_ polynomials: [[F]], salts: LeafSalts? = nil) -> CommittedColumns<F> {
        let domainSize = parameters.domainSize
        let n = parameters.traceLength
        let blowup = parameters.options.blowupFactor
        let salts = salts ?? LeafSalts.random()
        let columnCount = polynomials.count
        let degree = F.extensionDegree
        let rowWidth = columnCount * degree
        let coset = ColumnMatrix<F>(rowCount: n, columnCount: columnCount)
        let tree = try! MerkleTree(leafCount: domainSize) { leaves in
            for k in 0..<blowup {
                extendCoset(polynomials, coset: k, into: coset)
                Parallelism.automatic.forEachChunk(count: n, minimumChunk: 512) { rows in
                    let scratch = UnsafeMutableBufferPointer<Goldilocks>.allocate(capacity: rowWidth)
                    defer { scratch.deallocate() }
                    for i in rows {
                        for column in 0..<columnCount {
                            Coordinates.write(coset.column(column)[i], to: scratch.baseAddress! + column * degree)
                        }
                        let position = i * blowup + k
                        leaves[position] = MerkleTree.hashLeaf(UnsafeBufferPointer(scratch), salt: salts.salt(at: position))
                    }
                }
            }
        }
        return CommittedColumns(
            polynomials: polynomials, tree: tree, salts: salts, offset: parameters.domainOffset,
            generator: domainGenerator)
    }

    /// Coset `k` of every polynomial's extension into `matrix` (n rows): row i is the
    /// point offset·ω_N^(b·i + k).
    ///
    /// Columns run in parallel, one group per core, each transform serial; a single
    /// column spreads its transform over the cores.
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
        Parallelism.automatic.forEachChunk(count: columnCount, minimumChunk: columnCount / groups) { columns in
            for column in columns {
                polynomials[column].withUnsafeBufferPointer { coefficients in
                    plan.evaluateOnCoset(
                        coefficients: coefficients, offset: offset, blowup: blowup, coset: k,
                        into: UnsafeMutableBufferPointer(start: matrix.column(column), count: n),
                        parallelism: perColumn)
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
    /// Each value is Σₜ aₜ·xᵗ with the products summed in 128 bits plus a carry count and
    /// reduced once (an extension coefficient times a base point is its coordinates
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
        let accumulators = UnsafeMutableBufferPointer<Accumulator>.allocate(capacity: output.count)
        accumulators.initialize(repeating: Accumulator())
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
                                words + coordinate, stride: degree, powers: powers.baseAddress! + q * block,
                                count: end - blockStart)
                        }
                    }
                }
            }
            blockStart = blockEnd
        }
        for index in 0..<output.count { output[index] = accumulators[index].reduced }
    }

    /// A sum of 128-bit products: `top`·2¹²⁸ + `high`·2⁶⁴ + `low`, reduced once at the end.
    struct Accumulator {
        var low: UInt64 = 0
        var high: UInt64 = 0
        var top: UInt64 = 0

        /// Adds Σⱼ values[j·stride]·powers[j] for j < count.
        @inline(__always)
        mutating func add(
            _ values: UnsafePointer<UInt64>, stride: Int, powers: UnsafePointer<UInt64>, count: Int
        ) {
            var (low, high, top) = (self.low, self.high, self.top)
            for j in 0..<count {
                // A product of two words is at most 2¹²⁸ − 2⁶⁵ + 1: its high word plus a carry fits.
                let (productHigh, productLow) = values[j * stride].multipliedFullWidth(by: powers[j])
                let (sum, carry) = low.addingReportingOverflow(productLow)
                low = sum
                let (upper, overflow) = high.addingReportingOverflow(productHigh &+ (carry ? 1 : 0))
                high = upper
                top &+= overflow ? 1 : 0
            }
            (self.low, self.high, self.top) = (low, high, top)
        }

        /// The sum mod p; 2¹²⁸ ≡ −2³² (mod p).
        var reduced: Goldilocks {
            Goldilocks(reducingHigh: high, low: low) - Goldilocks(reducing: top) * Goldilocks(reducing: 1 << 32)
        }
    }
}
