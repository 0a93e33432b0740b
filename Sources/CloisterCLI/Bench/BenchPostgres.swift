import Foundation
import ProverJobs

#if canImport(Glibc)
import Glibc
#endif

/// `cloister bench --store postgres`: the PostgreSQL server the benchmark node keeps its chain in
/// (a new database per run). Given no `--database`, a throwaway cluster of its own, as the tests
/// start one: Debian's server binaries, `initdb` in a temporary folder (as `nobody` when run as
/// root: PostgreSQL refuses root), listening on 127.0.0.1 on a free port only, scram-sha-256 with
/// a random password; stopped and deleted afterwards.
final class BenchPostgres: @unchecked Sendable {
    /// The server URL, its database part replaced per run; never with a password.
    let serverURL: String
    /// The environment variable the node and the provers read the password from.
    let passwordVariable: String?
    private let cluster: (bin: String, folder: String, user: String?)?

    /// The password travels to the children through this variable of our own environment.
    static let throwawayPasswordVariable = "CLOISTER_BENCH_POSTGRES_PASSWORD"

    private init(serverURL: String, passwordVariable: String?, cluster: (bin: String, folder: String, user: String?)?) {
        self.serverURL = serverURL
        self.passwordVariable = passwordVariable
        self.cluster = cluster
    }

    /// `--database URL` (whose role may create databases), or a throwaway cluster.
    static func open(url: String?, passwordEnvironment: String?) throws -> BenchPostgres {
        if let url {
            guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
                components.password == nil
            else { throw CommandFailure("--database \(url): give postgresql://USER@HOST:PORT/DATABASE, the password in --password-env") }
            return BenchPostgres(serverURL: url, passwordVariable: passwordEnvironment, cluster: nil)
        }
        return try startThrowaway()
    }

    private static func startThrowaway() throws -> BenchPostgres {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let version = versions.filter({ FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/initdb") })
            .max(by: { (Int($0) ?? 0) < (Int($1) ?? 0) })
        else {
            throw CommandFailure(
                "--store postgres without --database starts a throwaway cluster, which needs Debian's postgresql "
                    + "(apt-get install postgresql); or pass --database URL")
        }
        let bin = "/usr/lib/postgresql/\(version)/bin"
        var template = Array("/tmp/cloister-bench-pg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw CommandFailure("cannot create a folder for the throwaway cluster") }
        let folder = String(cString: made)
        chmod(folder, 0o755)
        let user: String? = getuid() == 0 ? "nobody" : nil
        let password = Array(UUID().uuidString.utf8).map { String(format: "%02x", $0) }.joined().prefix(32)
        try (password + "\n").write(toFile: folder + "/pwfile", atomically: true, encoding: .utf8)
        if user != nil { try run("/bin/chown", ["-R", "nobody", folder]) }
        let cluster = (bin: bin, folder: folder, user: user)
        try run(
            bin + "/initdb",
            ["-D", folder + "/data", "-U", "cloister", "--pwfile=\(folder)/pwfile", "--auth-local=trust",
             "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale"], as: user)
        try? FileManager.default.removeItem(atPath: folder + "/pwfile")
        let port = try freePort()
        try run(
            bin + "/pg_ctl",
            ["-D", folder + "/data", "-l", folder + "/server.log", "-w", "-t", "60",
             "-o", "-p \(port) -k \(folder) -c listen_addresses=127.0.0.1", "start"], as: user)
        setenv(throwawayPasswordVariable, String(password), 1)
        return BenchPostgres(
            serverURL: "postgresql://cloister@127.0.0.1:\(port)/postgres?sslmode=disable",
            passwordVariable: throwawayPasswordVariable, cluster: cluster)
    }

    /// A new empty database for one run; returns its URL.
    func createDatabase() throws -> String {
        let name = "cloister_bench_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        guard var components = URLComponents(string: serverURL) else { throw CommandFailure("bad URL \(serverURL)") }
        let psql = cluster.map { $0.bin + "/psql" } ?? "/usr/bin/psql"
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = passwordVariable.flatMap { environment[$0] } ?? ""
        try Self.run(psql, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", serverURL, "-c", "CREATE DATABASE \(name)"], environment: environment)
        components.path = "/" + name
        return components.string ?? serverURL
    }

    /// The `[storage]` lines of a node keeping its chain in `database`.
    func storageLines(database: String) -> [String] {
        ["engine = \"postgres\"", "postgres_url = \"\(database)\""]
            + (passwordVariable.map { ["postgres_password_env = \"\($0)\""] } ?? [])
    }

    /// Stops and deletes a throwaway cluster (a given server is left alone).
    func stop() {
        guard let cluster else { return }
        try? Self.run(cluster.bin + "/pg_ctl", ["-D", cluster.folder + "/data", "-m", "fast", "-w", "stop"], as: cluster.user)
        try? FileManager.default.removeItem(atPath: cluster.folder)
    }

    private static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(socket, pointer, length) == 0 && getsockname(socket, pointer, &length) == 0
            }
        }
        guard bound else { throw CommandFailure("no free loopback port for the throwaway cluster") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Runs a program (as `user` through runuser when given) and fails with its output when it fails.
    ///
    /// posix_spawn and waitpid, not Foundation's `Process`: on Linux that waits for every holder
    /// of a descriptor it gives the child, and `pg_ctl start` leaves the server holding them.
    static func run(_ program: String, _ arguments: [String], as user: String? = nil, environment: [String: String]? = nil) throws {
        let argv = (user.map { ["/usr/sbin/runuser", "-u", $0, "--"] } ?? []) + [program] + arguments
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("cloister-bench-\(UUID().uuidString).out").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let variables = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var cArguments = argv.map { strdup($0) } + [nil]
        var cEnvironment = variables.map { strdup($0) } + [nil]
        defer { for pointer in cArguments + cEnvironment { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, &cArguments, &cEnvironment)
        guard spawned == 0 else { throw CommandFailure("cannot run \(argv[0]): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // Exited normally with status 0 (WIFEXITED && WEXITSTATUS == 0).
        guard status & 0x7F == 0, (status >> 8) & 0xFF == 0 else {
            let text = FileManager.default.contents(atPath: outputPath) ?? Data()
            throw CommandFailure("\(program) \(arguments.joined(separator: " ")) failed:\n" + String(decoding: text, as: UTF8.self))
        }
    }
}

/// `cloister bench --provers N`: N `cloister prover` processes on the run's database, each with
/// its own log in the run's folder; stopped (SIGTERM) when the run ends.
final class ProverChildren: @unchecked Sendable {
    private var processes: [Process] = []

    init(count: Int, binary: String, database: String, passwordVariable: String?, dir: String) throws {
        guard count > 0 else { return }
        do { _ = try ProverKey.load(from: dir + "/prover.key") } catch { throw CommandFailure(error.description) }
        for index in 0..<count {
            let log = dir + "/prover-\(index + 1).log"
            FileManager.default.createFile(atPath: log, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments =
                ["prover", "--database", database, "--prover-key", dir + "/prover.key", "--worker-id", "bench-\(index + 1)"]
                + (passwordVariable.map { ["--password-env", $0] } ?? [])
            process.standardOutput = handle
            process.standardError = handle
            process.standardInput = FileHandle.nullDevice
            do { try process.run() } catch { throw CommandFailure("cannot start a prover \(binary): \(error)") }
            processes.append(process)
        }
    }

    func stop() {
        for process in processes where process.isRunning { process.terminate() }
        for process in processes { process.waitUntilExit() }
        processes = []
    }
}
