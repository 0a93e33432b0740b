import StarkMath

// MARK: - Composition

extension ProverRun {
    /// C(x) = Σ αⱼ·cⱼ(x)·(x − g^(n−1))/(xⁿ − 1) + Σ βₖ·(T'_col(x) − vₖ)/(x − g^rowₖ)
    /// on every point of the evaluation domain. The transition divisor exempts the last row.
    ///
    /// The tables the per-point loop reads are built first (``transitionDivisorInverses()``,
    /// ``extendedPeriodicColumns()``, ``boundaryGroups(coefficients:)``). Then the domain
    /// runs coset by coset: coset k of the trace extension (and the auxiliary one), kept
    /// or extended again alone (``coset(_:of:scratch:)``), holds both rows each of
    /// its points reads (point b·i + k and the next row's point b·(i + 1) + k), and its
    /// points run in parallel chunks through ``evaluateComposition(coset:at:trace:kernel:into:)``
    /// and, for an auxiliary segment, ``addAuxiliaryComposition(coset:at:trace:auxiliary:kernel:into:)``.
    /// A streamed extension is held one coset at a time, at the price of extending
    /// again what its commitment extended.
    func evaluateComposition(
        _ trace: CommittedColumns<Goldilocks>, transitionCoefficients: [E], boundaryCoefficients: [E],
        auxiliary: AuxiliaryCompositionTables<E>? = nil
    ) -> [E] {
        let domainSize = parameters.domainSize
        let n = parameters.traceLength
        let vanishingInverses = transitionDivisorInverses()
        let periodic = extendedPeriodicColumns()
        let boundary = boundaryGroups(coefficients: boundaryCoefficients)
        let lastRowPoint = traceGenerator.power(UInt64(parameters.traceLength - 1))
        // One coset's worth of everything the loop reads per point, refilled per coset
        // (extensions only if they were not kept).
        let traceScratch = cosetScratch(for: trace)
        let auxiliaryScratch = auxiliary.flatMap { cosetScratch(for: $0.committed) }
        let boundaryInverses = ColumnMatrix<Goldilocks>(rowCount: n, columnCount: boundary.points.count)
        let auxiliaryInverses = auxiliary.map {
            ColumnMatrix<Goldilocks>(rowCount: n, columnCount: $0.boundary.points.count)
        }
        var result = [E](repeating: .zero, count: domainSize)
        result.withUnsafeMutableBufferPointer { output in
            CompositionKernel.with(
                alphas: transitionCoefficients, vanishingInverses: vanishingInverses, periodic: periodic,
                boundary: boundary, boundaryInverses: boundaryInverses, lastRowPoint: lastRowPoint
            ) { kernel in
                for k in 0..<parameters.options.blowupFactor {
                    let traceCoset = coset(k, of: trace, scratch: traceScratch)
                    divisorInverses(at: boundary.points, coset: k, into: boundaryInverses)
                    let auxiliaryCoset = auxiliary.map { auxiliary in
                        divisorInverses(at: auxiliary.boundary.points, coset: k, into: auxiliaryInverses!)
                        return AuxiliaryCoset(
                            columns: coset(k, of: auxiliary.committed, scratch: auxiliaryScratch),
                            boundaryInverses: auxiliaryInverses!)
                    }
                    Parallelism.automatic.forEachChunk(count: n, minimumChunk: 1 << 12) { range in
                        evaluateComposition(coset: k, at: range, trace: traceCoset, kernel: kernel, into: output)
                        if let auxiliary, let auxiliaryCoset {
                            addAuxiliaryComposition(
                                coset: k, at: range, trace: traceCoset, auxiliary: auxiliary,
                                auxiliaryCoset: auxiliaryCoset, kernel: kernel, into: output)
                        }
                    }
                }
            }
        }
        return result
    }

    /// The composition at the points b·i + k for i in `range` (coset k of the evaluation
    /// domain, whose extension `trace` holds), written to `output` at those points: the
    /// prover's hot loop. One set of row buffers per call (per chunk).
    @inline(__always)
    func evaluateComposition(
        coset k: Int, at range: Range<Int>, trace: ColumnMatrix<Goldilocks>, kernel: CompositionKernel<E>,
        into output: UnsafeMutableBufferPointer<E>
    ) {
        let air = self.air
        let n = parameters.traceLength
        let blowup = parameters.options.blowupFactor
        let width = parameters.traceWidth
        let transitionCount = parameters.transitionCount
        let periodicCount = kernel.periodicOffsets.count
        let groupCount = kernel.groupConstants.count
        let step = domainGenerator.power(UInt64(blowup))
        let vanishingInverse = kernel.vanishingInverses[k]
        let current = UnsafeMutableBufferPointer<Goldilocks>.allocate(capacity: width)
        let next = UnsafeMutableBufferPointer<Goldilocks>.allocate(capacity: width)
        let periodic = UnsafeMutableBufferPointer<Goldilocks>.allocate(capacity: max(1, periodicCount))
        let values = UnsafeMutableBufferPointer<Goldilocks>.allocate(capacity: transitionCount)
        defer {
            current.deallocate()
            next.deallocate()
            periodic.deallocate()
            values.deallocate()
        }
        precondition(MemoryLayout<E>.size == 8 * E.extensionDegree, "extension elements must be packed coordinates")
        let alphaWords = kernel.alphas.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: UInt64.self) }
        let valueWords = UnsafeRawPointer(values.baseAddress!).assumingMemoryBound(to: UInt64.self)
        let periodicView = UnsafeBufferPointer(rebasing: periodic[0..<periodicCount])
        let columns = (0..<width).map { trace.column($0) }
        columns.withUnsafeBufferPointer { columns in
            var x = parameters.domainOffset * domainGenerator.power(UInt64(range.lowerBound * blowup + k))
            for i in range {
                let position = i * blowup + k
                let nextRow = (i + 1) & (n - 1)
                for column in 0..<width {
                    current[column] = columns[column][i]
                    next[column] = columns[column][nextRow]
                }
                for p in 0..<periodicCount {
                    periodic[p] =
                        kernel.periodicValues[kernel.periodicOffsets[p] + (position & kernel.periodicMasks[p])]
                }
                air.evaluateTransitionOnBaseField(
                    current: UnsafeBufferPointer(current), next: UnsafeBufferPointer(next),
                    periodicValues: periodicView, result: values)
                // Σ αⱼ·cⱼ, the products summed unreduced and reduced once.
                let transition = alphaWords.map { Self.dotProduct($0, valueWords, count: transitionCount) } ?? .zero
                var total = transition * ((x - kernel.lastRowPoint) * vanishingInverse)
                for group in 0..<groupCount {
                    var sum = E.zero
                    for g in kernel.groupBounds[group]..<kernel.groupBounds[group + 1] {
                        sum += kernel.groupCoefficients[g] * columns[kernel.groupColumns[g]][i]
                    }
                    total += (sum - kernel.groupConstants[group]) * kernel.groupInverses[group * n + i]
                }
                output[position] = total
                x = x * step
            }
        }
    }

    /// 1/(xⁿ − 1) on the evaluation domain, which takes only `blowup` values there:
    /// xᵢⁿ = cⁿ·ω_b^i, so point i reads entry i mod blowup.
    func transitionDivisorInverses() -> [Goldilocks] {
        let blowup = parameters.options.blowupFactor
        let offsetToN = parameters.domainOffset.power(UInt64(parameters.traceLength))
        let blowupRoot = try! Goldilocks.rootOfUnity(order: blowup)
        return try! Goldilocks.batchInverse((0..<blowup).map { offsetToN * blowupRoot.power(UInt64($0)) - .one })
    }

    /// The AIR's periodic columns on the evaluation domain: a column of period P repeats
    /// with period blowup·P there, so only that many values are computed.
    func extendedPeriodicColumns() -> PeriodicTable {
        let n = parameters.traceLength
        let blowup = parameters.options.blowupFactor
        let offset = parameters.domainOffset
        var table = PeriodicTable()
        for values in air.periodicColumns {
            let period = values.count
            let coefficients = try! Polynomial.interpolateOnSubgroup(values)
            let plan = try! NTTPlan(size: period * blowup)
            let extended = plan.evaluateOnCoset(coefficients: coefficients, offset: offset.power(UInt64(n / period)))
            table.offsets.append(table.values.count)
            table.masks.append(extended.count - 1)
            table.values.append(contentsOf: extended)
        }
        return table
    }

    /// The boundary assertions grouped by row, with their random coefficients βₖ:
    /// Σ βₖ·T'_col(x) − Σ βₖ·vₖ over (x − g^row).
    func boundaryGroups(coefficients: [E]) -> BoundaryGroups<E> {
        var groups = BoundaryGroups<E>()
        for row in Array(Set(assertions.map(\.row))).sorted() {
            groups.points.append(traceGenerator.power(UInt64(row)))
            var constant = E.zero
            for (index, assertion) in assertions.enumerated() where assertion.row == row {
                groups.columns.append(assertion.column)
                groups.coefficients.append(coefficients[index])
                constant += coefficients[index] * assertion.value
            }
            groups.bounds.append(groups.columns.count)
            groups.constants.append(constant)
        }
        return groups
    }

    /// 1/(x − points[j]) for every x of coset k of the evaluation domain, column j of
    /// `matrix` (row i: x = offset·ω_N^(b·i + k)); batch inversions in parallel chunks.
    func divisorInverses(at points: [Goldilocks], coset k: Int, into matrix: ColumnMatrix<Goldilocks>) {
        guard !points.isEmpty else { return }
        let step = domainGenerator.power(UInt64(parameters.options.blowupFactor))
        let start = parameters.domainOffset * domainGenerator.power(UInt64(k))
        Parallelism.automatic.forEachChunk(count: parameters.traceLength, minimumChunk: 1 << 14) { range in
            for (j, point) in points.enumerated() {
                let column = matrix.column(j)
                var x = start * step.power(UInt64(range.lowerBound))
                for i in range {
                    column[i] = x - point
                    x = x * step
                }
                try! Goldilocks.batchInvert(
                    UnsafeMutableBufferPointer(start: column + range.lowerBound, count: range.count))
            }
        }
    }

    /// Throws if the composition polynomial has a non-zero coefficient above the degree
    /// bound the AIR's declared constraint degrees give.
    func checkCompositionDegree(_ coefficients: [E]) throws(StarkError) {
        let bound = parameters.compositionCoefficientCount
        if let index = coefficients[bound...].firstIndex(where: { !$0.isZero }) {
            throw .declaredDegreeTooLow(
                "the composition polynomial has a non-zero coefficient at degree \(index), above the declared bound "
                    + "\(bound - 1); check the AIR's transition constraint degrees")
        }
    }

    /// Splits C into k segments of n coefficients (C = Σ x^(i·n)·Sᵢ) and randomises them
    /// so that Σ x^(i·n)·S'ᵢ = C still holds: S'ᵢ = Sᵢ − rᵢ + xⁿ·rᵢ₊₁ with r₀ = r_k = 0 and
    /// the other rᵢ random of degree < h. Appends the DEEP mask: a random polynomial of
    /// degree < n + h − 1, which hides the FRI layers' values.
    func randomizedSegments(_ coefficients: [E], random: inout SecureRandomGenerator) -> [[E]] {
        let n = parameters.traceLength
        let h = parameters.randomizerCount
        let k = parameters.segmentCount
        let randomizers: [[E]] = (0...k).map { index in
            index == 0 || index == k ? [] : (0..<h).map { _ in E.random(using: &random) }
        }
        var segments = [[E]]()
        for index in 0..<k {
            var segment = [E](repeating: .zero, count: n + h)
            for j in 0..<n { segment[j] = coefficients[index * n + j] }
            for (j, value) in randomizers[index].enumerated() { segment[j] -= value }
            for (j, value) in randomizers[index + 1].enumerated() { segment[n + j] += value }
            segments.append(segment)
        }
        segments.append((0..<parameters.deepCoefficientCount).map { _ in E.random(using: &random) })
        return segments
    }
}

// MARK: - Tables of the composition loop

/// The AIR's periodic columns on the evaluation domain, flat: column k at point i is
/// `values[offsets[k] + (i & masks[k])]`.
struct PeriodicTable {
    var values = [Goldilocks]()
    var offsets = [Int]()
    var masks = [Int]()
}

/// Boundary assertions grouped by row, flat: group g is Σ `coefficients[k]`·T'_`columns[k]`(x)
/// over k in `bounds[g]..<bounds[g + 1]`, minus `constants[g]`, over (x − `points[g]`)
/// (the composition loop reads 1/(x − g^row) for one coset at a time:
/// ``ProverRun/divisorInverses(at:coset:into:)``).
struct BoundaryGroups<E: FieldElement> {
    var columns = [Int]()
    var coefficients = [E]()
    var bounds = [0]
    var constants = [E]()
    /// g^row, one per group.
    var points = [Goldilocks]()
}

/// Everything the composition loop reads, as raw buffers: no array bounds checks,
/// retains or copy-on-write checks per point. Valid only inside
/// ``with(alphas:vanishingInverses:periodic:boundary:boundaryInverses:lastRowPoint:_:)``.
struct CompositionKernel<E: FieldElement> {
    /// αⱼ, one per transition constraint.
    let alphas: UnsafeBufferPointer<E>
    /// 1/(xⁿ − 1), indexed by point mod blowup.
    let vanishingInverses: UnsafeBufferPointer<Goldilocks>
    /// g^(n−1), the last trace row's point, which the transition divisor exempts.
    let lastRowPoint: Goldilocks
    let periodicValues: UnsafeBufferPointer<Goldilocks>
    let periodicOffsets: UnsafeBufferPointer<Int>
    let periodicMasks: UnsafeBufferPointer<Int>
    let groupColumns: UnsafeBufferPointer<Int>
    let groupCoefficients: UnsafeBufferPointer<E>
    let groupBounds: UnsafeBufferPointer<Int>
    let groupConstants: UnsafeBufferPointer<E>
    /// 1/(x − g^row) on the current coset: group g's point i at `g·n + i`.
    let groupInverses: UnsafeBufferPointer<Goldilocks>

    /// Calls `body` with the kernel over these tables' storage.
    static func with<R>(
        alphas: [E], vanishingInverses: [Goldilocks], periodic: PeriodicTable, boundary: BoundaryGroups<E>,
        boundaryInverses: ColumnMatrix<Goldilocks>, lastRowPoint: Goldilocks, _ body: (CompositionKernel<E>) -> R
    ) -> R {
        alphas.withUnsafeBufferPointer { alphas in
            vanishingInverses.withUnsafeBufferPointer { vanishingInverses in
                periodic.values.withUnsafeBufferPointer { periodicValues in
                    periodic.offsets.withUnsafeBufferPointer { periodicOffsets in
                        periodic.masks.withUnsafeBufferPointer { periodicMasks in
                            boundary.columns.withUnsafeBufferPointer { groupColumns in
                                boundary.coefficients.withUnsafeBufferPointer { groupCoefficients in
                                    boundary.bounds.withUnsafeBufferPointer { groupBounds in
                                        boundary.constants.withUnsafeBufferPointer { groupConstants in
                                            body(
                                                CompositionKernel(
                                                    alphas: alphas, vanishingInverses: vanishingInverses,
                                                    lastRowPoint: lastRowPoint, periodicValues: periodicValues,
                                                    periodicOffsets: periodicOffsets, periodicMasks: periodicMasks,
                                                    groupColumns: groupColumns, groupCoefficients: groupCoefficients,
                                                    groupBounds: groupBounds, groupConstants: groupConstants,
                                                    groupInverses: boundaryInverses.all))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
