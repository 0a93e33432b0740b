// Foundation, not FoundationEssentials: FileHandle (see `ConfigDocument.load`).
import Foundation

/// A parsed configuration document as plain Sendable values.
///
/// What `ConfigDocument` reads a TOML document into: values only, so that a loaded config
/// crosses threads and compares with `==`.
public indirect enum ConfigValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    case table(ConfigTable)
    case array([ConfigValue])
    /// Dates, times and date-times, kept as their TOML text.
    case dateTime(String)

    /// How a person would name this kind of value in an error message.
    public var kindName: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a float"
        case .boolean: return "a boolean"
        case .table: return "a table"
        case .array: return "an array"
        case .dateTime: return "a date/time"
        }
    }
}

/// A TOML table: its entries and the order its keys appeared in.
public struct ConfigTable: Sendable, Equatable {
    public var entries: [String: ConfigValue]
    public var keys: [String]

    public init(entries: [String: ConfigValue] = [:], keys: [String]? = nil) {
        self.entries = entries
        self.keys = keys ?? entries.keys.sorted()
    }

    public subscript(key: String) -> ConfigValue? { entries[key] }
}

/// Parses TOML text into a `ConfigTable`, with the strict TOML 1.0 reader `TOMLParser`.
public enum ConfigDocument {
    /// - Parameters:
    ///   - text: the TOML source.
    ///   - file: the file name used in error messages.
    /// - Throws: `ConfigError` naming the file, the line and column and what is wrong, for any text
    ///   that is not valid TOML 1.0.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> ConfigTable {
        try parse(bytes: Array(text.utf8), file: file)
    }

    /// Parses UTF-8 bytes; bytes that are not UTF-8 are refused with where they are.
    public static func parse(bytes: [UInt8], file: String) throws(ConfigError) -> ConfigTable {
        if let offset = UTF8Check.firstInvalidOffset(in: bytes) {
            throw ConfigError(
                file: file, key: nil,
                problem: TOMLSyntaxError(offset: offset, "the file is not UTF-8 text").problem(in: bytes))
        }
        do {
            return try TOMLParser.parse(bytes)
        } catch {
            throw ConfigError(file: file, key: nil, problem: error.problem(in: bytes))
        }
    }

    /// Reads and parses a file.
    public static func load(path: String) throws(ConfigError) -> ConfigTable {
        let bytes: Data
        do {
            // A FileHandle, not String(contentsOfFile:) or Data(contentsOf:): Foundation (Swift
            // 6.3) leaks a 4 KB buffer each time those read an empty file, so every policy
            // reload with an empty file leaked (found by the FuzzPolicy target's LeakSanitizer).
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            bytes = try handle.readToEnd() ?? Data()
        } catch {
            throw ConfigError(file: path, key: nil, problem: "cannot be read (\(error.localizedDescription))")
        }
        return try parse(bytes: [UInt8](bytes), file: path)
    }
}
