import Primitives

/// Reads a config table strictly: every value must have the expected type, required keys
/// must be present, and `finish()` refuses any key nobody asked for (a typo is an error,
/// not a silently ignored setting).
///
/// A reader is used on one thread while a file is loaded; it is not Sendable.
public final class TableReader {
    public let file: String
    /// The dotted path of this table inside the file ("" for the root).
    public let path: String
    public let table: ConfigTable
    private var consumed = Set<String>()

    public init(_ table: ConfigTable, file: String, path: String = "") {
        self.table = table
        self.file = file
        self.path = path
    }

    /// The dotted path of `key` in this table.
    public func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// An error about `key` of this table.
    public func error(_ key: String?, _ problem: String) -> ConfigError {
        ConfigError(file: file, key: key.map(keyPath) ?? (path.isEmpty ? nil : path), problem: problem)
    }

    public func contains(_ key: String) -> Bool { table[key] != nil }

    private func value(_ key: String) -> ConfigValue? {
        consumed.insert(key)
        return table[key]
    }

    private func required(_ key: String) throws(ConfigError) -> ConfigValue {
        guard let value = value(key) else { throw error(key, "is required but missing") }
        return value
    }

    private func mismatch(_ key: String, expected: String, found: ConfigValue) -> ConfigError {
        error(key, "expected \(expected), found \(found.kindName)")
    }

    // MARK: - Scalars

    public func string(_ key: String) throws(ConfigError) -> String {
        let found = try required(key)
        guard case .string(let text) = found else { throw mismatch(key, expected: "a string", found: found) }
        return text
    }

    public func optionalString(_ key: String) throws(ConfigError) -> String? {
        guard contains(key) else { _ = value(key); return nil }
        return try string(key)
    }

    public func integer(_ key: String) throws(ConfigError) -> Int {
        let found = try required(key)
        guard case .integer(let number) = found else { throw mismatch(key, expected: "an integer", found: found) }
        return number
    }

    public func optionalInteger(_ key: String) throws(ConfigError) -> Int? {
        guard contains(key) else { _ = value(key); return nil }
        return try integer(key)
    }

    /// An integer within `range`, e.g. a port or a count.
    public func integer(_ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        let number = try integer(key)
        guard range.contains(number) else {
            throw error(key, "must be between \(range.lowerBound) and \(range.upperBound), got \(number)")
        }
        return number
    }

    /// An optional integer within `range`: nil when the key is absent.
    public func optionalInteger(_ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard contains(key) else { _ = value(key); return nil }
        return try integer(key, in: range)
    }

    public func boolean(_ key: String) throws(ConfigError) -> Bool {
        let found = try required(key)
        guard case .boolean(let flag) = found else { throw mismatch(key, expected: "true or false", found: found) }
        return flag
    }

    public func optionalBoolean(_ key: String) throws(ConfigError) -> Bool? {
        guard contains(key) else { _ = value(key); return nil }
        return try boolean(key)
    }

    /// An Ethereum address written as a string (`0x…`, EIP-55 checked when mixed case).
    public func address(_ key: String) throws(ConfigError) -> Address {
        let text = try string(key)
        do { return try Address(hex: text) } catch { throw self.error(key, "'\(text)' is not a valid address: \(error)") }
    }

    /// A 256-bit amount: an integer, or a decimal string for values beyond 64 bits.
    public func amount(_ key: String) throws(ConfigError) -> UInt256 {
        let found = try required(key)
        return try amount(found, key: key)
    }

    public func optionalAmount(_ key: String) throws(ConfigError) -> UInt256? {
        guard contains(key) else { _ = value(key); return nil }
        return try amount(key)
    }

    func amount(_ found: ConfigValue, key: String) throws(ConfigError) -> UInt256 {
        switch found {
        case .integer(let number) where number >= 0: return UInt256(UInt64(number))
        case .integer: throw error(key, "must not be negative")
        case .string(let text):
            do { return try UInt256(decimal: text.replacingOccurrences(of: "_", with: "")) } catch {
                throw self.error(key, "'\(text)' is not a whole number: \(error)")
            }
        default: throw mismatch(key, expected: "an integer or a decimal string", found: found)
        }
    }

    public func stringArray(_ key: String) throws(ConfigError) -> [String] {
        let found = try required(key)
        guard case .array(let items) = found else { throw mismatch(key, expected: "an array of strings", found: found) }
        var strings = [String]()
        for (index, item) in items.enumerated() {
            guard case .string(let text) = item else {
                throw error("\(key)[\(index)]", "expected a string, found \(item.kindName)")
            }
            strings.append(text)
        }
        return strings
    }

    public func optionalStringArray(_ key: String) throws(ConfigError) -> [String]? {
        guard contains(key) else { _ = value(key); return nil }
        return try stringArray(key)
    }

    public func addressArray(_ key: String) throws(ConfigError) -> [Address] {
        var addresses = [Address]()
        for (index, text) in try stringArray(key).enumerated() {
            do { addresses.append(try Address(hex: text)) } catch {
                throw self.error("\(key)[\(index)]", "'\(text)' is not a valid address: \(error)")
            }
        }
        return addresses
    }

    // MARK: - Nested tables

    public func table(_ key: String) throws(ConfigError) -> TableReader {
        let found = try required(key)
        guard case .table(let inner) = found else { throw mismatch(key, expected: "a table", found: found) }
        return TableReader(inner, file: file, path: keyPath(key))
    }

    public func optionalTable(_ key: String) throws(ConfigError) -> TableReader? {
        guard contains(key) else { _ = value(key); return nil }
        return try table(key)
    }

    /// An array of tables (`[[tokens]]`); absent means empty.
    public func tables(_ key: String) throws(ConfigError) -> [TableReader] {
        guard let found = value(key) else { return [] }
        guard case .array(let items) = found else { throw mismatch(key, expected: "an array of tables", found: found) }
        var readers = [TableReader]()
        for (index, item) in items.enumerated() {
            guard case .table(let inner) = item else {
                throw error("\(key)[\(index)]", "expected a table, found \(item.kindName)")
            }
            readers.append(TableReader(inner, file: file, path: "\(keyPath(key))[\(index)]"))
        }
        return readers
    }

    /// The keys of a table whose keys are names chosen by the operator (e.g. balances per address).
    public func freeformKeys() -> [String] {
        for key in table.keys { consumed.insert(key) }
        return table.keys
    }

    /// Refuses keys that were never read.
    public func finish() throws(ConfigError) {
        for key in table.keys where !consumed.contains(key) {
            throw error(key, "is not a known setting here (check its spelling)")
        }
    }
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
