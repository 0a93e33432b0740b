import TOMLKit

/// A parsed configuration document as plain Sendable values.
///
/// TOMLKit's tables are reference types over a C++ parser; converting once at load time
/// keeps the rest of the node free of them and lets a loaded config cross threads.
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

/// Parses TOML text into a `ConfigTable`.
public enum ConfigDocument {
    /// - Parameters:
    ///   - text: the TOML source.
    ///   - file: the file name used in error messages.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> ConfigTable {
        if let (line, problem) = TableHeaderCheck.firstProblem(in: text) {
            throw ConfigError(file: file, key: nil, problem: "not valid TOML at line \(line): \(problem)")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(
                file: file, key: nil,
                problem: "not valid TOML at line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)")
        } catch {
            throw ConfigError(file: file, key: nil, problem: "not valid TOML: \(error)")
        }
        return convert(table)
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
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigError(file: path, key: nil, problem: "is not UTF-8 text")
        }
        return try parse(text, file: path)
    }

    static func convert(_ table: TOMLTable) -> ConfigTable {
        var entries = [String: ConfigValue]()
        var keys = [String]()
        for key in table.keys {
            guard let value = table[key] else { continue }
            keys.append(key)
            entries[key] = convert(value)
        }
        return ConfigTable(entries: entries, keys: keys)
    }

    static func convert(_ value: TOMLValueConvertible) -> ConfigValue {
        switch value.type {
        case .table: return .table(convert(value.table!))
        case .array: return .array(value.array!.map { convert($0) })
        case .string: return .string(value.string!)
        case .int: return .integer(value.int!)
        case .double: return .float(value.double!)
        case .bool: return .boolean(value.bool!)
        default: return .dateTime(value.tomlValue.debugDescription)
        }
    }
}

// Foundation, not FoundationEssentials: FileHandle (see `ConfigDocument.load`).
import Foundation
