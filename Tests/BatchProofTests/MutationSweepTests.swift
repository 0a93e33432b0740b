import StarkCrypto
import StarkMath
import Testing

@testable import BatchProof
@testable import Stark

/// Constraint mutation sweep: add 1 to every column at rows chosen around every layout
/// boundary of a valid trace; some constraint or boundary assertion must break each
/// time. An undetected perturbation would be an under-constrained cell.
///
/// A cell at row r only enters frames (r − 1, r) and (r, r + 1) and the assertions on
/// row r, so the sweep evaluates just those (the full checker per mutation would be
/// far too slow in debug builds).
@Suite struct MutationSweepTests {
    @Test func everyPerturbedCellBreaksAConstraint() throws {
        let witness = try Fixtures.witness()
        let air = witness.air
        let trace = witness.trace
        let assertions = try air.boundaryAssertions(publicInputs: witness.publicInputs.elements)
        let n = air.traceLength
        var rows = Set<Int>()
        for base in [0, 256, 512, 768, n - 512, n - 256] {
            for offset in [0, 1, 6, 7, 8, 15, 16, 62, 63, 64, 125, 126, 127, 200, 247, 248, 254, 255] {
                rows.insert(base + offset)
            }
        }
        for row in rows where row < n {
            #expect(!Self.breaks(air: air, trace: trace, row: row, assertions: assertions), "valid row \(row)")
        }
        var undetected = [String]()
        for column in 0..<air.traceWidth {
            for row in rows.sorted() where row < n {
                var mutated = trace
                mutated[column, row] = mutated[column, row] + .one
                if !Self.breaks(air: air, trace: mutated, row: row, assertions: assertions) {
                    undetected.append("column \(column), row \(row)")
                }
            }
        }
        #expect(undetected.isEmpty, "undetected perturbations: \(undetected)")
    }

    static func breaks(
        air: BatchTransferAIR, trace: ExecutionTrace, row: Int, assertions: [BoundaryAssertion]
    ) -> Bool {
        for assertion in assertions where assertion.row == row {
            if trace[assertion.column, row] != assertion.value { return true }
        }
        let periodic = air.periodicColumns
        let count = air.transitionConstraintDegrees.count
        for frame in [row - 1, row] where frame >= 0 && frame < air.traceLength - 1 {
            let current = trace.row(frame)
            let next = trace.row(frame + 1)
            let periodicValues = periodic.map { $0[frame % $0.count] }
            var result = [Goldilocks](repeating: .zero, count: count)
            current.withUnsafeBufferPointer { c in
                next.withUnsafeBufferPointer { x in
                    periodicValues.withUnsafeBufferPointer { p in
                        result.withUnsafeMutableBufferPointer { r in
                            air.evaluateTransitionOnBaseField(current: c, next: x, periodicValues: p, result: r)
                        }
                    }
                }
            }
            if result.contains(where: { !$0.isZero }) { return true }
        }
        return false
    }
}
