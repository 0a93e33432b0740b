import ConfigFiles

/// Why a policy was refused: every problem found in every file, so an operator fixes them in one pass.
///
/// A policy with any problem is never applied, not even in part.
public struct PolicyError: Error, Sendable, CustomStringConvertible {
    /// Each names the file, the key (where there is one) and what is wrong.
    public var problems: [ConfigError]

    public init(problems: [ConfigError]) {
        self.problems = problems
    }

    init(_ problem: ConfigError) {
        self.problems = [problem]
    }

    public var description: String {
        let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
        return "the policy has \(count):\n" + problems.map { "  \($0.description)" }.joined(separator: "\n")
    }
}
