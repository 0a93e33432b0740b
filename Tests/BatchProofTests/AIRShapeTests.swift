import StarkMath
import Testing

@testable import BatchProof
@testable import Stark

@Suite struct AIRShapeTests {
    /// The evaluator writes exactly one value per declared constraint: none is left
    /// unwritten (a silently missing constraint) and nothing is written past the end.
    @Test func evaluatorWritesEveryDeclaredConstraint() {
        let air = BatchAIR(slotCount: 4, depositCount: 1, withdrawalCount: 1)
        let count = air.transitionConstraintDegrees.count
        #expect(count == 149)
        #expect(air.periodicColumns.count == BatchTraceLayout.Periodic.count)
        let sentinel = Goldilocks(reducing: 0xDEAD_BEEF)
        var generator = SystemRandomNumberGenerator()
        let current = (0..<air.traceWidth).map { _ in Goldilocks.random(using: &generator) }
        let next = (0..<air.traceWidth).map { _ in Goldilocks.random(using: &generator) }
        // Every flag set (so every term is live) and random constants.
        let periodic = (0..<air.periodicColumns.count).map { _ in Goldilocks.random(using: &generator) }
        var result = [Goldilocks](repeating: sentinel, count: count + 1)
        current.withUnsafeBufferPointer { c in
            next.withUnsafeBufferPointer { x in
                periodic.withUnsafeBufferPointer { p in
                    result.withUnsafeMutableBufferPointer { r in
                        air.evaluateTransitionOnBaseField(
                            current: c, next: x, periodicValues: p,
                            result: UnsafeMutableBufferPointer(rebasing: r[0..<count]))
                    }
                }
            }
        }
        #expect(!result[0..<count].contains(sentinel))
        #expect(result[count] == sentinel)
    }

    /// The extension-field evaluator (the verifier's path) agrees with the base-field one.
    @Test func genericAndBaseFieldEvaluatorsAgree() {
        let air = BatchAIR(slotCount: 4, depositCount: 1, withdrawalCount: 1)
        let count = air.transitionConstraintDegrees.count
        var generator = SystemRandomNumberGenerator()
        let current = (0..<air.traceWidth).map { _ in Goldilocks.random(using: &generator) }
        let next = (0..<air.traceWidth).map { _ in Goldilocks.random(using: &generator) }
        let periodic = (0..<air.periodicColumns.count).map { _ in Goldilocks.random(using: &generator) }
        var base = [Goldilocks](repeating: .zero, count: count)
        var lifted = [CubicExtension](repeating: .zero, count: count)
        let currentE = current.map { CubicExtension($0) }
        let nextE = next.map { CubicExtension($0) }
        let periodicE = periodic.map { CubicExtension($0) }
        current.withUnsafeBufferPointer { c in
            next.withUnsafeBufferPointer { x in
                periodic.withUnsafeBufferPointer { p in
                    base.withUnsafeMutableBufferPointer { r in
                        air.evaluateTransitionOnBaseField(current: c, next: x, periodicValues: p, result: r)
                    }
                }
            }
        }
        currentE.withUnsafeBufferPointer { c in
            nextE.withUnsafeBufferPointer { x in
                periodicE.withUnsafeBufferPointer { p in
                    lifted.withUnsafeMutableBufferPointer { r in
                        air.evaluateTransition(current: c, next: x, periodicValues: p, result: r)
                    }
                }
            }
        }
        #expect(base.map { CubicExtension($0) } == lifted)
    }
}
