import StarkMath
import Locking

/// Evaluates an AIR on a trace row by row and reports the first broken constraint.
///
/// The prover runs it before proving (a bad trace would only give a proof the verifier
/// rejects, after minutes of work); AIR authors run it in tests, e.g. to sweep
/// perturbations of every column and check each is caught.
public enum ConstraintChecker {
    /// Checks the main trace, then (for an AIR with an auxiliary segment) the auxiliary
    /// columns built with fresh random challenges from the cubic extension. The prover
    /// checks the auxiliary segment with the challenges it actually draws instead.
    /// - Throws: ``StarkError/constraintViolated(constraint:row:)`` for the first boundary
    ///   assertion, then the first (row, transition constraint), that fails, then the same
    ///   for the auxiliary segment; shape errors as ``StarkError/traceShapeMismatch(_:)``
    ///   or ``StarkError/invalidAIR(_:)``.
    public static func check(air: some AIR, trace: ExecutionTrace, publicInputs: [Goldilocks]) throws(StarkError) {
        try checkMain(air: air, trace: trace, publicInputs: publicInputs)
        guard air.hasAuxiliarySegment else { return }
        var generator = SystemRandomNumberGenerator()
        let challenges = (0..<air.auxiliaryChallengeCount).map { _ in CubicExtension.random(using: &generator) }
        try checkAuxiliary(air: air, trace: trace, publicInputs: publicInputs, challenges: challenges)
    }

    /// The main trace only: boundary assertions, then transition constraints.
    static func checkMain(air: some AIR, trace: ExecutionTrace, publicInputs: [Goldilocks]) throws(StarkError) {
        try validate(air: air)
        guard trace.width == air.traceWidth, trace.length == air.traceLength else {
            throw .traceShapeMismatch(
                "the trace is \(trace.width)×\(trace.length) (columns×rows); the AIR expects "
                    + "\(air.traceWidth)×\(air.traceLength)")
        }
        let assertions = try boundaryAssertions(air: air, publicInputs: publicInputs)
        for (index, assertion) in assertions.enumerated()
        where trace[assertion.column, assertion.row] != assertion.value {
            throw .constraintViolated(
                constraint: "boundary assertion \(index) (column \(assertion.column) = \(assertion.value))",
                row: assertion.row)
        }
        let width = air.traceWidth
        let constraintCount = air.transitionConstraintDegrees.count
        let periodic = air.periodicColumns
        let rowCount = air.traceLength - 1
        // Rows are checked in chunks on all cores; each chunk records its first failure
        // and the earliest (row, constraint) over all chunks is reported, exactly as a
        // row-by-row scan would.
        let chunkCount = Parallelism.maximumChunkCountForCallers
        let firstFailures = Locked<[(row: Int, constraint: Int)]>([])
        let columns = trace.columns
        // Periodic columns flattened, so the loop reads plain pointers.
        var periodicFlat = [Goldilocks]()
        var periodicStarts = [Int]()
        var periodicPeriods = [Int]()
        for values in periodic {
            periodicStarts.append(periodicFlat.count)
            periodicPeriods.append(values.count)
            periodicFlat.append(contentsOf: values)
        }
        let periodicCount = periodic.count
        let minimumChunk = max(1024, rowCount / chunkCount)
        periodicFlat.withUnsafeBufferPointer { periodicFlat in
            periodicStarts.withUnsafeBufferPointer { periodicStarts in
                periodicPeriods.withUnsafeBufferPointer { periodicPeriods in
                    Parallelism.automatic.forEachChunk(count: rowCount, minimumChunk: minimumChunk) {
                        rows in
                        // The chunk's rows (and the row after it), copied row-major once: one array
                        // access per column and chunk, no reference counting in the loop.
                        let rowWidth = max(1, width)
                        let block = UnsafeMutableBufferPointer<Goldilocks>.allocate(
                            capacity: rowWidth * (rows.count + 1))
                        defer { block.deallocate() }
                        for column in 0..<width {
                            columns[column].withUnsafeBufferPointer { values in
                                for row in rows.lowerBound...rows.upperBound {
                                    block[(row - rows.lowerBound) * rowWidth + column] = values[row]
                                }
                            }
                        }
                        let current = UnsafeMutableBufferPointer<Goldilocks>.allocate(capacity: width)
                        let next = UnsafeMutableBufferPointer<Goldilocks>.allocate(capacity: width)
                        let periodicValues = UnsafeMutableBufferPointer<Goldilocks>.allocate(
                            capacity: max(1, periodicCount))
                        let result = UnsafeMutableBufferPointer<Goldilocks>.allocate(capacity: max(1, constraintCount))
                        defer {
                            current.deallocate()
                            next.deallocate()
                            periodicValues.deallocate()
                            result.deallocate()
                        }
                        for row in rows {
                            let offset = (row - rows.lowerBound) * rowWidth
                            for column in 0..<width {
                                current[column] = block[offset + column]
                                next[column] = block[offset + rowWidth + column]
                            }
                            for index in 0..<periodicCount {
                                periodicValues[index] =
                                    periodicFlat[periodicStarts[index] + row % periodicPeriods[index]]
                            }
                            result.update(repeating: .zero)
                            air.evaluateTransitionOnBaseField(
                                current: UnsafeBufferPointer(current), next: UnsafeBufferPointer(next),
                                periodicValues: UnsafeBufferPointer(rebasing: periodicValues[0..<periodicCount]),
                                result: UnsafeMutableBufferPointer(rebasing: result[0..<constraintCount]))
                            if let index = (0..<constraintCount).first(where: { !result[$0].isZero }) {
                                firstFailures.withLock { $0.append((row, index)) }
                                return
                            }
                        }
                    }
                }
            }
        }
        if let failure = firstFailures.withLock({ $0.min { $0.row < $1.row } }) {
            throw .constraintViolated(constraint: air.transitionConstraintName(failure.constraint), row: failure.row)
        }
    }

    /// Checks the AIR's own declarations (shared by prover and verifier).
    static func validate(air: some AIR) throws(StarkError) {
        let length = air.traceLength
        guard length >= 8, length <= 1 << 26, length & (length - 1) == 0 else {
            throw .invalidAIR("trace length \(length) must be a power of two in 8...2^26")
        }
        guard air.traceWidth >= 1, air.traceWidth <= 1024 else {
            throw .invalidAIR("trace width \(air.traceWidth) must be in 1...1024")
        }
        guard !air.transitionConstraintDegrees.isEmpty, air.transitionConstraintDegrees.count <= 4096 else {
            throw .invalidAIR("an AIR needs 1...4096 transition constraints")
        }
        for (index, degree) in air.transitionConstraintDegrees.enumerated() {
            guard degree.base <= 16 else {
                throw .invalidAIR("transition \(index) has base degree \(degree.base) > 16")
            }
            for period in degree.cycles where period < 1 || period > length || period & (period - 1) != 0 {
                throw .invalidAIR("transition \(index) declares cycle \(period), not a power of two within the trace")
            }
        }
        try validateAuxiliary(air: air)
        for (index, column) in air.periodicColumns.enumerated() {
            let period = column.count
            guard period >= 1, period <= length, period & (period - 1) == 0 else {
                throw .invalidAIR("periodic column \(index) has \(period) values; it needs a power of two ≤ \(length)")
            }
        }
    }

    /// The AIR's assertions for these inputs, each checked to lie inside the trace.
    static func boundaryAssertions(
        air: some AIR, publicInputs: [Goldilocks]
    ) throws(StarkError)
        -> [BoundaryAssertion]
    {
        guard publicInputs.count == air.publicInputCount else {
            throw .invalidPublicInputs(
                "\(publicInputs.count) public inputs given, the AIR takes \(air.publicInputCount)")
        }
        let assertions = try air.boundaryAssertions(publicInputs: publicInputs)
        guard assertions.count <= 4096 else { throw .invalidAIR("more than 4096 boundary assertions") }
        for assertion in assertions {
            guard assertion.column >= 0, assertion.column < air.traceWidth, assertion.row >= 0,
                assertion.row < air.traceLength
            else {
                throw .invalidAIR(
                    "assertion on column \(assertion.column), row \(assertion.row) lies outside the "
                        + "\(air.traceWidth)×\(air.traceLength) trace")
            }
        }
        return assertions
    }
}
