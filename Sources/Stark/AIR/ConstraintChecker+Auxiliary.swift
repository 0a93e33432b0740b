import StarkMath
import Locking

// MARK: - Auxiliary segment

extension ConstraintChecker {
    /// Checks the auxiliary segment built from `trace` with these challenges: its
    /// boundary assertions, then its transition constraints on every row pair. A test can
    /// pass chosen challenges (the prover passes the ones it drew from the transcript).
    /// - Throws: ``StarkError/constraintViolated(constraint:row:)`` naming the auxiliary
    ///   assertion or constraint and the row; shape errors as for ``check(air:trace:publicInputs:)``.
    public static func checkAuxiliary<E: FieldElement>(
        air: some AIR, trace: ExecutionTrace, publicInputs: [Goldilocks], challenges: [E]
    ) throws(StarkError) {
        try validate(air: air)
        guard trace.width == air.traceWidth, trace.length == air.traceLength else {
            throw .traceShapeMismatch(
                "the trace is \(trace.width)×\(trace.length) (columns×rows); the AIR expects "
                    + "\(air.traceWidth)×\(air.traceLength)")
        }
        let auxiliary = try auxiliaryTrace(air: air, main: trace, challenges: challenges)
        let assertions = try auxiliaryBoundaryAssertions(air: air, publicInputs: publicInputs, challenges: challenges)
        try checkAuxiliary(air: air, main: trace, auxiliary: auxiliary, challenges: challenges, assertions: assertions)
    }

    /// The auxiliary check on columns already built (the prover's entry point).
    static func checkAuxiliary<E: FieldElement>(
        air: some AIR, main: ExecutionTrace, auxiliary: [[E]], challenges: [E],
        assertions: [AuxiliaryBoundaryAssertion<E>]
    ) throws(StarkError) {
        for (index, assertion) in assertions.enumerated()
        where auxiliary[assertion.column][assertion.row] != assertion.value {
            throw .constraintViolated(
                constraint: "auxiliary boundary assertion \(index) (auxiliary column \(assertion.column) = "
                    + "\(assertion.value))",
                row: assertion.row)
        }
        let width = air.traceWidth
        let auxiliaryWidth = air.auxiliaryWidth
        let constraintCount = air.auxiliaryConstraintDegrees.count
        guard constraintCount > 0 else { return }
        let periodic = air.periodicColumns
        let rowCount = air.traceLength - 1
        let firstFailures = Locked<[(row: Int, constraint: Int)]>([])
        let columns = main.columns
        let minimumChunk = max(1024, rowCount / Parallelism.maximumChunkCountForCallers)
        Parallelism.automatic.forEachChunk(count: rowCount, minimumChunk: minimumChunk) { rows in
            // Buffers per chunk: main rows and periodic values in the base field (as the
            // prover evaluates them), auxiliary rows, challenges and results in E.
            let baseBuffer = UnsafeMutableBufferPointer<Goldilocks>.allocate(capacity: 2 * width + periodic.count)
            baseBuffer.initialize(repeating: .zero)
            let size = 2 * auxiliaryWidth + challenges.count + constraintCount
            let buffer = UnsafeMutableBufferPointer<E>.allocate(capacity: size)
            buffer.initialize(repeating: .zero)
            defer {
                buffer.deallocate()
                baseBuffer.deallocate()
            }
            var cursor = 0
            func slice(_ count: Int) -> UnsafeMutableBufferPointer<E> {
                defer { cursor += count }
                return UnsafeMutableBufferPointer(rebasing: buffer[cursor..<(cursor + count)])
            }
            let mainCurrent = UnsafeMutableBufferPointer(rebasing: baseBuffer[0..<width])
            let mainNext = UnsafeMutableBufferPointer(rebasing: baseBuffer[width..<(2 * width)])
            let periodicValues = UnsafeMutableBufferPointer(rebasing: baseBuffer[(2 * width)...])
            let (auxiliaryCurrent, auxiliaryNext) = (slice(auxiliaryWidth), slice(auxiliaryWidth))
            let challengeValues = slice(challenges.count)
            let result = slice(constraintCount)
            for (index, challenge) in challenges.enumerated() { challengeValues[index] = challenge }
            let frame = AuxiliaryBaseFrame(
                mainCurrent: UnsafeBufferPointer(mainCurrent), mainNext: UnsafeBufferPointer(mainNext),
                auxiliaryCurrent: UnsafeBufferPointer(auxiliaryCurrent),
                auxiliaryNext: UnsafeBufferPointer(auxiliaryNext), challenges: UnsafeBufferPointer(challengeValues),
                periodicValues: UnsafeBufferPointer(periodicValues))
            for row in rows {
                for column in 0..<width {
                    mainCurrent[column] = columns[column][row]
                    mainNext[column] = columns[column][row + 1]
                }
                for column in 0..<auxiliaryWidth {
                    auxiliaryCurrent[column] = auxiliary[column][row]
                    auxiliaryNext[column] = auxiliary[column][row + 1]
                }
                for (index, values) in periodic.enumerated() { periodicValues[index] = values[row % values.count] }
                result.update(repeating: .zero)
                air.evaluateAuxiliaryTransitionOnBaseField(frame: frame, result: result)
                if let index = (0..<constraintCount).first(where: { !result[$0].isZero }) {
                    firstFailures.withLock { $0.append((row, index)) }
                    return
                }
            }
        }
        if let failure = firstFailures.withLock({ $0.min { $0.row < $1.row } }) {
            throw .constraintViolated(constraint: air.auxiliaryConstraintName(failure.constraint), row: failure.row)
        }
    }

    /// Checks the AIR's auxiliary declarations: none at all, or 1…1024 columns with at
    /// most 256 challenges and 4096 constraints of base degree ≤ 16.
    static func validateAuxiliary(air: some AIR) throws(StarkError) {
        let width = air.auxiliaryWidth
        let degrees = air.auxiliaryConstraintDegrees
        guard width > 0 else {
            guard width == 0, air.auxiliaryChallengeCount == 0, degrees.isEmpty else {
                throw .invalidAIR(
                    "an AIR without auxiliary columns declares \(air.auxiliaryChallengeCount) auxiliary challenges "
                        + "and \(degrees.count) auxiliary constraints (auxiliary width \(width))")
            }
            return
        }
        guard width <= 1024 else { throw .invalidAIR("auxiliary width \(width) must be in 0...1024") }
        guard air.auxiliaryChallengeCount >= 0, air.auxiliaryChallengeCount <= 256 else {
            throw .invalidAIR("\(air.auxiliaryChallengeCount) auxiliary challenges; at most 256")
        }
        guard degrees.count <= 4096 else { throw .invalidAIR("more than 4096 auxiliary constraints") }
        for (index, degree) in degrees.enumerated() {
            guard degree.base <= 16 else {
                throw .invalidAIR("auxiliary transition \(index) has base degree \(degree.base) > 16")
            }
            for period in degree.cycles
            where period < 1 || period > air.traceLength || period & (period - 1) != 0 {
                throw .invalidAIR(
                    "auxiliary transition \(index) declares cycle \(period), not a power of two within the trace")
            }
        }
    }

    /// The AIR's auxiliary columns for these challenges, checked to have the declared shape.
    static func auxiliaryTrace<E: FieldElement>(
        air: some AIR, main: ExecutionTrace, challenges: [E]
    ) throws(StarkError) -> [[E]] {
        guard challenges.count == air.auxiliaryChallengeCount else {
            throw .invalidAIR(
                "\(challenges.count) auxiliary challenges given, the AIR draws \(air.auxiliaryChallengeCount)")
        }
        let columns = try air.buildAuxiliaryTrace(main: main, challenges: challenges)
        guard columns.count == air.auxiliaryWidth else {
            throw .traceShapeMismatch(
                "the AIR built \(columns.count) auxiliary columns; it declares \(air.auxiliaryWidth)")
        }
        for (index, column) in columns.enumerated() where column.count != air.traceLength {
            throw .traceShapeMismatch(
                "auxiliary column \(index) has \(column.count) rows, the trace has \(air.traceLength)")
        }
        return columns
    }

    /// The AIR's auxiliary assertions for these inputs and challenges, each checked to lie
    /// inside the auxiliary segment.
    static func auxiliaryBoundaryAssertions<E: FieldElement>(
        air: some AIR, publicInputs: [Goldilocks], challenges: [E]
    ) throws(StarkError) -> [AuxiliaryBoundaryAssertion<E>] {
        guard publicInputs.count == air.publicInputCount else {
            throw .invalidPublicInputs(
                "\(publicInputs.count) public inputs given, the AIR takes \(air.publicInputCount)")
        }
        let assertions = try air.auxiliaryBoundaryAssertions(publicInputs: publicInputs, challenges: challenges)
        guard assertions.count <= 4096 else { throw .invalidAIR("more than 4096 auxiliary boundary assertions") }
        for assertion in assertions {
            guard assertion.column >= 0, assertion.column < air.auxiliaryWidth, assertion.row >= 0,
                assertion.row < air.traceLength
            else {
                throw .invalidAIR(
                    "auxiliary assertion on column \(assertion.column), row \(assertion.row) lies outside the "
                        + "\(air.auxiliaryWidth)×\(air.traceLength) auxiliary segment")
            }
        }
        return assertions
    }
}
