import StarkCrypto
import StarkMath
import Testing

@testable import BatchProof
@testable import Stark

/// Constraint mutation sweep: add 1 to every column at rows chosen around every layout
/// boundary of a valid trace holding every kind of operation; some constraint or boundary
/// assertion must break each time. An undetected perturbation would be an
/// under-constrained cell.
///
/// A cell at row r only enters frames (r − 1, r) and (r, r + 1) and the assertions on
/// row r, so the sweep evaluates just those (the full checker per mutation would be
/// far too slow in debug builds).
@Suite struct MutationSweepTests {
    @Test func everyPerturbedCellBreaksAConstraint() throws {
        let (witness, _) = try Fixtures.mixedBuilder().witness(minimumSlots: 16)
        let air = witness.air
        let trace = try witness.trace
        let assertions = try air.boundaryAssertions(publicInputs: witness.publicInputs.elements)
        let n = air.traceLength
        #expect(witness.operations.map(\.kind).count == 16)
        // Both updates of every operation: deposits, transfers, mint, burn, padding, withdrawals.
        var rows = Set<Int>()
        for base in stride(from: 0, to: n, by: 256) {
            for offset in [0, 1, 6, 7, 8, 15, 61, 62, 63, 64, 126, 128, 189, 190, 192, 253, 254, 255] {
                rows.insert(base + offset)
            }
        }
        for row in rows where row < n {
            #expect(!Self.breaks(air: air, trace: trace, row: row, assertions: assertions), "valid row \(row)")
        }
        var undetected = [String]()
        var mutated = trace
        for column in 0..<air.traceWidth {
            for row in rows.sorted() where row < n {
                let original = mutated[column, row]
                mutated[column, row] = original + .one
                if !Self.breaks(air: air, trace: mutated, row: row, assertions: assertions) {
                    undetected.append("column \(column), row \(row)")
                }
                mutated[column, row] = original
            }
        }
        #expect(undetected.isEmpty, "undetected perturbations: \(undetected.prefix(50))")
    }

    /// Whether a transition constraint on the frames through `row`, or an assertion on it,
    /// fails (any AIR: the v3 wide-layout sweep uses it too).
    static func breaks(
        air: some AIR, trace: ExecutionTrace, row: Int, assertions: [BoundaryAssertion]
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
