/// The tables of a document while it is read, with what TOML's redefinition rules need to know
/// about each: how it came to exist. Tables, arrays of tables and the values in them live in flat
/// arrays and refer to one another by index, so that adding a key never copies a table.
///
/// The rules (TOML 1.0, "Table", "Inline Table", "Array of Tables"):
/// * a key is defined once; a table is defined once, by a header or by dotted keys, not both;
/// * a header may name a table that so far exists only because a longer header passed through it
///   (`[a.b]` after `[a.b.c]`), and may reach through tables made by dotted keys to define a
///   sub-table (`[fruit.apple.texture]` after `apple.color = …` in `[fruit]`);
/// * dotted keys may add to tables made by dotted keys, or passed through by a header, but not to
///   a table a header defined, nor to an array of tables;
/// * an inline table and a static array (`a = [ … ]`) are complete: nothing is added to them later.
struct TOMLTree {
    /// How a table came to exist.
    enum Origin {
        /// Only passed through by a header (`a` in `[a.b]`), not defined yet.
        case implicit
        /// Defined by its own header `[a]` (or the document's root).
        case header
        /// Defined by dotted keys (`a.b = 1` defines `a`).
        case dotted
        /// An element of an array of tables, `[[a]]`.
        case arrayElement
    }

    enum Entry {
        case table(Int)
        /// An array of tables: an index into `arrays`.
        case tables(Int)
        /// A value, complete: a static array or an inline table is never extended.
        case value(ConfigValue)
    }

    struct Table {
        var origin: Origin
        var depth: Int
        /// Its dotted path from the root (or the inline table), for messages.
        var path: String
        /// Where it was defined, or first mentioned, for messages.
        var offset: Int
        var keys: [String] = []
        var entries: [String: Entry] = [:]
        var entryOffsets: [String: Int] = [:]
    }

    static let root = 0
    private(set) var tables: [Table]
    private var arrays: [[Int]] = []

    /// - Parameter rootDepth: how deep the root table nests: 0 for a document, the nesting depth
    ///   of the inline table for one.
    init(rootDepth: Int = 0) {
        tables = [Table(origin: .header, depth: rootDepth, path: "", offset: 0)]
    }

    // MARK: - Key/value pairs

    /// `key = value` inside the table `section`.
    mutating func assign(_ value: ConfigValue, at key: [TOMLKeyPart], in section: Int) throws(TOMLSyntaxError) {
        guard let last = key.last else { return }
        var current = section
        for part in key.dropLast() {
            switch tables[current].entries[part.name] {
            case nil:
                current = try addTable(named: part, in: current, origin: .dotted)
            case .table(let table):
                switch tables[table].origin {
                case .dotted, .implicit:
                    tables[table].origin = .dotted
                    current = table
                case .header, .arrayElement:
                    let path = pathOf(part, in: current)
                    throw TOMLSyntaxError(
                        offset: part.offset,
                        "the table `\(path)` was defined by its own [\(path)] header; a dotted key cannot add to it "
                            + "(write the key under that header)",
                        earlierOffset: tables[table].offset)
                }
            case .tables:
                let path = pathOf(part, in: current)
                throw TOMLSyntaxError(
                    offset: part.offset, "`\(path)` is an array of tables ([[\(path)]]); a dotted key cannot add to it",
                    earlierOffset: tables[current].entryOffsets[part.name])
            case .value(let existing):
                throw notExtensible(existing, path: pathOf(part, in: current), at: part, in: current)
            }
        }
        guard tables[current].entries[last.name] == nil else {
            throw TOMLSyntaxError(
                offset: last.offset, "the key `\(pathOf(last, in: current))` is defined twice",
                earlierOffset: tables[current].entryOffsets[last.name])
        }
        add(.value(value), named: last, in: current)
    }

    // MARK: - Table headers

    /// `[key]`: returns the table it defines.
    mutating func defineTable(at key: [TOMLKeyPart], headerOffset: Int) throws(TOMLSyntaxError) -> Int {
        guard let last = key.last else { return Self.root }
        let parent = try walkHeader(key, headerOffset: headerOffset)
        let path = pathOf(last, in: parent)
        switch tables[parent].entries[last.name] {
        case nil:
            return try addTable(named: last, in: parent, origin: .header, offset: headerOffset)
        case .table(let table):
            switch tables[table].origin {
            case .implicit:
                tables[table].origin = .header
                tables[table].offset = headerOffset
                return table
            case .header, .arrayElement:
                throw TOMLSyntaxError(
                    offset: headerOffset, "the table [\(path)] is defined twice", earlierOffset: tables[table].offset)
            case .dotted:
                throw TOMLSyntaxError(
                    offset: headerOffset,
                    "the table `\(path)` was already defined by dotted keys; a [\(path)] header cannot define it again",
                    earlierOffset: tables[table].offset)
            }
        case .tables:
            throw TOMLSyntaxError(
                offset: headerOffset,
                "`\(path)` is an array of tables ([[\(path)]]); [\(path)] cannot define it as a table",
                earlierOffset: tables[parent].entryOffsets[last.name])
        case .value(let existing):
            throw notExtensible(
                existing, path: path, at: TOMLKeyPart(name: last.name, offset: headerOffset), in: parent)
        }
    }

    /// `[[key]]`: appends a table to the array of tables `key` and returns it.
    mutating func appendTable(at key: [TOMLKeyPart], headerOffset: Int) throws(TOMLSyntaxError) -> Int {
        guard let last = key.last else { return Self.root }
        let parent = try walkHeader(key, headerOffset: headerOffset)
        let path = pathOf(last, in: parent)
        switch tables[parent].entries[last.name] {
        case nil:
            let table = try newTable(in: parent, origin: .arrayElement, path: path, offset: headerOffset)
            arrays.append([table])
            add(.tables(arrays.count - 1), named: TOMLKeyPart(name: last.name, offset: headerOffset), in: parent)
            return table
        case .tables(let array):
            let table = try newTable(in: parent, origin: .arrayElement, path: path, offset: headerOffset)
            arrays[array].append(table)
            return table
        case .table(let table):
            throw TOMLSyntaxError(
                offset: headerOffset, "`\(path)` is already a table; [[\(path)]] cannot make it an array of tables",
                earlierOffset: tables[table].offset)
        case .value(.array):
            throw TOMLSyntaxError(
                offset: headerOffset,
                "`\(path)` is a static array (`\(last.name) = [ … ]`); [[\(path)]] cannot append to it",
                earlierOffset: tables[parent].entryOffsets[last.name])
        case .value(let existing):
            throw notExtensible(
                existing, path: path, at: TOMLKeyPart(name: last.name, offset: headerOffset), in: parent)
        }
    }

    /// The table that the header's last key goes into: every key before it names a table (made
    /// implicit when missing) or an array of tables (its last element).
    private mutating func walkHeader(_ key: [TOMLKeyPart], headerOffset: Int) throws(TOMLSyntaxError) -> Int {
        var current = Self.root
        for part in key.dropLast() {
            switch tables[current].entries[part.name] {
            case nil:
                current = try addTable(named: part, in: current, origin: .implicit, offset: headerOffset)
            case .table(let table):
                current = table
            case .tables(let array):
                guard let element = arrays[array].last else { return current }
                current = element
            case .value(let existing):
                throw notExtensible(existing, path: pathOf(part, in: current), at: part, in: current)
            }
        }
        return current
    }

    // MARK: - Building

    private mutating func addTable(
        named part: TOMLKeyPart, in parent: Int, origin: Origin, offset: Int? = nil
    ) throws(TOMLSyntaxError) -> Int {
        let table = try newTable(
            in: parent, origin: origin, path: pathOf(part, in: parent), offset: offset ?? part.offset)
        add(.table(table), named: part, in: parent)
        return table
    }

    private mutating func newTable(
        in parent: Int, origin: Origin, path: String, offset: Int
    ) throws(TOMLSyntaxError) -> Int {
        let depth = tables[parent].depth + 1
        guard depth <= TOMLParser.maximumDepth else {
            throw TOMLSyntaxError(
                offset: offset, "arrays and tables nest deeper than \(TOMLParser.maximumDepth) levels")
        }
        tables.append(Table(origin: origin, depth: depth, path: path, offset: offset))
        return tables.count - 1
    }

    private mutating func add(_ entry: Entry, named part: TOMLKeyPart, in table: Int) {
        tables[table].keys.append(part.name)
        tables[table].entries[part.name] = entry
        tables[table].entryOffsets[part.name] = part.offset
    }

    private func notExtensible(
        _ existing: ConfigValue, path: String, at part: TOMLKeyPart, in table: Int
    ) -> TOMLSyntaxError {
        let message: String
        switch existing {
        case .table:
            message = "`\(path)` is an inline table, which is complete as written: nothing can be added to it later"
        case .array: message = "`\(path)` is a static array, not a table: nothing can be added to it as a table"
        default: message = "`\(path)` is already \(existing.kindName), not a table"
        }
        return TOMLSyntaxError(offset: part.offset, message, earlierOffset: tables[table].entryOffsets[part.name])
    }

    /// `a.b.c` for the key `c` in the table `a.b`; keys that are not bare are quoted.
    private func pathOf(_ part: TOMLKeyPart, in table: Int) -> String {
        let name =
            !part.name.isEmpty && part.name.utf8.allSatisfy(TOMLParser.isBareKeyByte) ? part.name : "\"\(part.name)\""
        let parent = tables[table].path
        return parent.isEmpty ? name : parent + "." + name
    }

    /// The document as `ConfigTable`s, keys in the order they were first written.
    func configTable(_ index: Int = TOMLTree.root) -> ConfigTable {
        let table = tables[index]
        var entries = [String: ConfigValue](minimumCapacity: table.keys.count)
        for key in table.keys {
            switch table.entries[key] {
            case .table(let child)?: entries[key] = .table(configTable(child))
            case .tables(let array)?: entries[key] = .array(arrays[array].map { .table(configTable($0)) })
            case .value(let value)?: entries[key] = value
            case nil: continue
            }
        }
        return ConfigTable(entries: entries, keys: table.keys)
    }
}
