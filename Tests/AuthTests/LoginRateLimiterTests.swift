import Auth
import Foundation
import Testing

@Suite struct LoginRateLimiterTests {
    @Test func failureAfterTheLimitWithinTheWindowIsRefused() async throws {
        let clock = TestClock()
        let limiter = LoginRateLimiter(maxFailures: 3, window: .seconds(60), clock: clock.function)
        for _ in 0..<3 {
            try await limiter.check(source: "10.0.0.1")
            await limiter.recordFailure(source: "10.0.0.1")
            clock.advance(.seconds(1))
        }
        let error = await authError { try await limiter.check(source: "10.0.0.1") }
        #expect(error == .rateLimited(retryAfterSeconds: 57))
        #expect(error?.retryAfterSeconds == 57)
        // Other sources are unaffected.
        try await limiter.check(source: "10.0.0.2")
    }

    @Test func sourceIsAllowedAgainOnceTheWindowPasses() async throws {
        let clock = TestClock()
        let limiter = LoginRateLimiter(maxFailures: 3, window: .seconds(60), clock: clock.function)
        for _ in 0..<3 { await limiter.recordFailure(source: "a") }
        await #expect(throws: AuthError.rateLimited(retryAfterSeconds: 60)) { try await limiter.check(source: "a") }
        clock.advance(.seconds(59))
        await #expect(throws: AuthError.rateLimited(retryAfterSeconds: 1)) { try await limiter.check(source: "a") }
        clock.advance(.seconds(1))
        try await limiter.check(source: "a")
    }

    @Test func windowSlidesOneFailureAtATime() async throws {
        let clock = TestClock()
        let limiter = LoginRateLimiter(maxFailures: 2, window: .seconds(60), clock: clock.function)
        await limiter.recordFailure(source: "a")
        clock.advance(.seconds(30))
        await limiter.recordFailure(source: "a")
        await #expect(throws: AuthError.rateLimited(retryAfterSeconds: 30)) { try await limiter.check(source: "a") }
        clock.advance(.seconds(30))
        // The first failure left the window; the second still counts, so one more failure refuses again.
        try await limiter.check(source: "a")
        await limiter.recordFailure(source: "a")
        await #expect(throws: AuthError.rateLimited(retryAfterSeconds: 30)) { try await limiter.check(source: "a") }
    }

    @Test func successResetsTheSource() async throws {
        let clock = TestClock()
        let limiter = LoginRateLimiter(maxFailures: 3, window: .seconds(60), clock: clock.function)
        for _ in 0..<2 { await limiter.recordFailure(source: "a") }
        await limiter.recordSuccess(source: "a")
        for _ in 0..<2 { await limiter.recordFailure(source: "a") }
        try await limiter.check(source: "a")
        await limiter.recordFailure(source: "a")
        await #expect(throws: AuthError.rateLimited(retryAfterSeconds: 60)) { try await limiter.check(source: "a") }
    }

    @Test func defaultsAllowTenFailuresPerMinute() async throws {
        let clock = TestClock()
        let limiter = LoginRateLimiter(clock: clock.function)
        for _ in 0..<10 {
            try await limiter.check(source: "a")
            await limiter.recordFailure(source: "a")
        }
        await #expect(throws: AuthError.rateLimited(retryAfterSeconds: 60)) { try await limiter.check(source: "a") }
    }

    @Test func manySourcesAreSweptOnceTheirFailuresAge() async throws {
        let clock = TestClock()
        let limiter = LoginRateLimiter(maxFailures: 1, window: .seconds(60), maxSources: 100, clock: clock.function)
        for i in 0..<100 { await limiter.recordFailure(source: "old-\(i)") }
        clock.advance(.seconds(61))
        for i in 0..<150 { await limiter.recordFailure(source: "new-\(i)") }
        try await limiter.check(source: "old-0")
        await #expect(throws: AuthError.self) { try await limiter.check(source: "new-0") }
        await #expect(throws: AuthError.self) { try await limiter.check(source: "new-149") }
    }

    @Test func concurrentFailuresAreAllCounted() async throws {
        // A clock that stands still: on a loaded machine (a sanitizer run) the tasks may take longer
        // than the window, and aged failures would rightly stop counting.
        let clock = TestClock()
        let limiter = LoginRateLimiter(maxFailures: 50, window: .seconds(60), maxSources: 100, clock: clock.function)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<49 { group.addTask { await limiter.recordFailure(source: "a") } }
        }
        try await limiter.check(source: "a")
        await limiter.recordFailure(source: "a")
        await #expect(throws: AuthError.self) { try await limiter.check(source: "a") }
    }

    @Test func rateLimitMessageSaysWhenToRetry() {
        #expect(AuthError.rateLimited(retryAfterSeconds: 1).description.contains("1 second"))
        #expect(AuthError.rateLimited(retryAfterSeconds: 42).description.contains("42 seconds"))
        #expect(AuthError.rateLimited(retryAfterSeconds: 1) != .rateLimited(retryAfterSeconds: 2))
        #expect(AuthError.expired.retryAfterSeconds == nil)
    }
}
