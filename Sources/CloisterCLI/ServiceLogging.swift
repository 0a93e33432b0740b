import Logging

/// Logging for the long-running commands (`node`, `l1`): stderr, at the level the operator asks for.
enum ServiceLogging {
    static func bootstrap(label: String, level text: String) throws -> Logger {
        guard let level = Logger.Level(rawValue: text) else {
            throw CommandFailure(
                "--log-level \(text): use one of " + Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }
}
