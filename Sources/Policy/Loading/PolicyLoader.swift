import ConfigFiles
import Ledger
import Primitives

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Loads a policy directory as one unit: every file is read and checked, and a policy is
/// returned only when nothing anywhere is wrong.
public enum PolicyLoader {
    /// Loads every `*.toml` in `directory` (plus the sanctions list file they reference), validates the WHOLE policy, compiles it.
    ///
    /// `tokens` are the chain's configured tokens (symbol -> address/decimals); assets in policy
    /// files are named by symbol, and "native" (18 decimals) names the native currency.
    /// A `*.toml` in the directory that a `[sanctions] list` names is read as the sanctions list,
    /// not as a policy file.
    /// - Throws: `PolicyError` with every problem found, each naming file, key and problem.
    public static func load(directory: String, tokens: [TokenDefinition]) throws(PolicyError) -> CompiledPolicy {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".toml") }
                .sorted()
        } catch {
            throw PolicyError(
                ConfigError(
                    file: directory, key: nil,
                    problem: "cannot be read as a policy directory (\(error.localizedDescription))"))
        }
        guard !names.isEmpty else {
            throw PolicyError(
                ConfigError(
                    file: directory, key: nil,
                    problem: "holds no *.toml policy files; with no policy every operation would be refused"))
        }
        let paths = names.map { join(directory, $0) }
        var documents: [(path: String, table: ConfigTable)] = []
        var unreadable: [String] = []
        let problems = ProblemList()
        for path in paths {
            if let table = problems.attempt({ () throws(ConfigError) in try ConfigDocument.load(path: path) }) {
                documents.append((path, table))
            } else {
                unreadable.append(path)
            }
        }
        return try load(
            documents: documents, unreadable: unreadable, directory: directory, tokens: tokens, problems: problems,
            readFile: { path throws(ConfigError) in try ConfigDocument.load(path: path) })
    }

    /// Loads a policy from documents already parsed; `unreadable` are files of the directory whose
    /// problems are already recorded, `readFile` reads a sanctions list from outside the directory.
    static func load(
        documents: [(path: String, table: ConfigTable)], unreadable: [String], directory: String,
        tokens: [TokenDefinition],
        problems: ProblemList = ProblemList(), readFile: (String) throws(ConfigError) -> ConfigTable
    ) throws(PolicyError) -> CompiledPolicy {
        let parser = PolicyFileParser(problems: problems)
        var draft = PolicyDraft()

        // The sanctions reference decides which file is a list rather than a policy file, so it is read first.
        var reference: (path: String, declaredIn: EntryLocation)?
        for document in documents {
            guard document.table["sanctions"] != nil else { continue }
            let root = TableReader(document.table, file: document.path)
            guard let table = problems.attempt({ () throws(ConfigError) in try root.table("sanctions") }) else {
                continue
            }
            parser.checkKeys(table, allowed: PolicyFileParser.sanctionsReferenceKeys)
            guard let list = parser.nonEmptyString(table, "list") else { continue }
            let location = EntryLocation(file: document.path, path: "sanctions")
            if let earlier = reference {
                problems.add(
                    location.error(
                        nil,
                        "a sanctions list is already referenced in \(earlier.declaredIn.file); keep one [sanctions] table"
                    ))
                continue
            }
            reference = (list.hasPrefix("/") ? list : join(directory, list), location)
        }
        let listPath = reference.map { canonical($0.path) }
        var files: [String] = []
        for document in documents where canonical(document.path) != listPath {
            files.append(document.path)
            parser.parse(document.table, file: document.path, into: &draft)
        }
        if let reference {
            var listTable: ConfigTable?
            if let document = documents.first(where: { canonical($0.path) == listPath }) {
                listTable = document.table
            } else if unreadable.contains(where: { canonical($0) == listPath }) {
                files.append(reference.path)
            } else {
                do { listTable = try readFile(reference.path) } catch {
                    problems.add(
                        reference.declaredIn.error(
                            "list", "the sanctions list \(reference.path) cannot be loaded: \(error.problem)"))
                }
            }
            if let listTable {
                draft.sanctions = parser.sanctionsList(listTable, file: reference.path)
                files.append(reference.path)
            }
        }

        let compiler = PolicyCompiler(tokens: tokens, problems: problems, directory: directory)
        guard let policy = compiler.compile(draft, files: files), problems.isEmpty else {
            throw PolicyError(problems: problems.problems)
        }
        return policy
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// A path with `.`, `..` and repeated slashes resolved, to tell whether two spellings name one file.
    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
