// swift-tools-version: 6.1
// Cloister: a private, permissioned chain node. The target list mirrors
// docs/ARCHITECTURE.md: each module imports only the modules below it.
import PackageDescription

import class Foundation.ProcessInfo

/// Benchmarks pull in ordo-one/benchmark and its malloc interposer; CI and
/// everyday builds do not pay for them. `CLOISTER_BENCHMARKS=1 swift package benchmark`.
let benchmarksEnabled = ProcessInfo.processInfo.environment["CLOISTER_BENCHMARKS"] == "1"

/// libFuzzer targets for the decoders that face the network (docs/FUZZING.md); `make fuzz`
/// builds them with `CLOISTER_FUZZ=1` and `-sanitize=fuzzer,address` in `.build-fuzz`.
let fuzzEnabled = ProcessInfo.processInfo.environment["CLOISTER_FUZZ"] == "1"

var dependencies: [Package.Dependency] = [
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
]

var targets: [Target] = [
    // MARK: - C shims over system libraries
    .systemLibrary(
        name: "CSecp256k1",
        pkgConfig: "libsecp256k1",
        providers: [.apt(["libsecp256k1-dev"])]
    ),
    .target(
        name: "COpenSSL",
        linkerSettings: [.linkedLibrary("crypto")]
    ),

    // MARK: - Primitives: encodings and cryptography every other part stands on
    .target(name: "Locking"),
    .target(name: "CMemory"),
    .target(name: "Primitives", dependencies: ["CSecp256k1", "COpenSSL", "Locking"]),
    .target(name: "Transactions", dependencies: ["Primitives"]),

    // MARK: - Ledger: accounts, assets, operations, the pure state transition
    .target(name: "Ledger", dependencies: ["Primitives", "Transactions"]),

    // MARK: - Strict typed reading of the operator's TOML files (Config/, Policies/), with our own TOML 1.0 reader
    .target(name: "ConfigFiles", dependencies: ["Primitives"]),

    // MARK: - Policy: access and compliance rules from Policies/, compiled for fast decisions
    .target(name: "Policy", dependencies: ["Primitives", "Ledger", "ConfigFiles"]),

    // MARK: - Store: the persistence seam (`ChainStore`) and record encryption; no database engine
    .target(name: "Store", dependencies: ["Primitives"]),

    // MARK: - SQLiteStore: the embedded engine behind `ChainStore` (SQLite via GRDB)
    .target(
        name: "SQLiteStore",
        dependencies: [
            "Store", "Primitives", "Locking", .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
        ]
    ),

    // MARK: - PostgresStore: the production engine behind `ChainStore` (PostgreSQL via postgres-nio)
    .target(
        name: "PostgresStore",
        dependencies: [
            "Store", "Primitives", .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]
    ),

    // MARK: - NodeConfiguration: the node's Config/cloister.toml, checked and typed
    .target(name: "NodeConfiguration", dependencies: ["Primitives", "Ledger", "ConfigFiles"]),

    // MARK: - Proof math: field, NTT, hashes, commitments (winterfell's math + crypto)
    .target(name: "CGoldilocksVector"),
    .target(name: "StarkMath", dependencies: ["Locking", "CGoldilocksVector"]),
    .target(name: "StarkCrypto", dependencies: ["StarkMath", "CGoldilocksVector", "Primitives"]),
    .target(name: "StateTree", dependencies: ["StarkMath", "StarkCrypto", "Primitives"]),

    // MARK: - Stark: a generic zero-knowledge STARK prover and verifier (AIR, FRI, proof encoding)
    .target(name: "Stark", dependencies: ["StarkMath", "StarkCrypto", "Primitives", "Locking"]),

    // MARK: - Settlement: what goes public (batch commitments, bridge hashes), the L1 client protocol, the verifier seam
    .target(name: "Settlement", dependencies: ["Primitives", "StarkMath", "StarkCrypto"]),

    // MARK: - BatchProof: the batch AIR (transfers on the RPO account tree), witness, prover, verifier
    .target(name: "BatchProof", dependencies: ["Stark", "StateTree", "StarkMath", "StarkCrypto", "Primitives", "Settlement"]),
    // Selective disclosure: one holding's path to a batch's state root, or one transaction's operation leaf and its
    // path to the batch's operations commitment, checked against the L1 alone.
    .target(
        name: "Disclosure",
        dependencies: ["StateTree", "StarkCrypto", "StarkMath", "Primitives", "Settlement", "BatchProof", "Transactions"]),

    // MARK: - ProverJobs: a batch's proving job (codec, sealed with the prover key) and the `cloister prover` worker
    .target(
        name: "ProverJobs",
        dependencies: [
            "BatchProof", "Stark", "StateTree", "Settlement", "Primitives", "PostgresStore", "Store", "Locking",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]
    ),

    // MARK: - L1Mock: the L1 settlement mock (its store, HTTP service, `cloister l1`, the in-process client)
    .target(
        name: "L1Mock",
        dependencies: [
            "Primitives", "StarkCrypto", "ConfigFiles", "Settlement",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]
    ),

    // MARK: - Sequencer: admission, mempool, block production, batch boundaries, audit log, state commitment
    .target(
        name: "Sequencer",
        dependencies: [
            "Primitives", "Transactions", "Ledger", "ConfigFiles", "Policy", "NodeConfiguration", "Store", "StarkMath",
            "StarkCrypto", "StateTree", "Settlement", "Locking", .product(name: "Logging", package: "swift-log"),
        ]
    ),

    // MARK: - Node: the application shell: services, settlement driver, proving, metrics, HTTP context, wiring
    .target(
        name: "Node",
        dependencies: [
            "Primitives", "Ledger", "Policy", "NodeConfiguration", "Store", "SQLiteStore", "PostgresStore", "Sequencer", "Settlement", "Locking",
            "CMemory",
            "L1Mock", "ProverJobs",
            "BatchProof",
            "Stark", "StarkCrypto", "StarkMath", "StateTree",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]
    ),

    // MARK: - Auth: who is calling (wallet sign-in, OIDC JWTs, API keys), ending in one identity
    .target(name: "Auth", dependencies: ["Primitives", .product(name: "JWTKit", package: "jwt-kit")]),

    // MARK: - API: JSON-RPC over HTTP, filtered by policy
    .target(
        name: "API",
        dependencies: [
            "Node", "Sequencer", "NodeConfiguration", "Ledger", "Policy", "Auth", "Primitives", "Transactions", "Settlement",
            "Disclosure", "StateTree", "BatchProof", "Locking",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]
    ),

    // MARK: - The one executable
    .executableTarget(
        name: "CloisterCLI",
        dependencies: [
            "Primitives",
            "StateTree",
            "Disclosure",
            "Transactions",
            "ConfigFiles",
            "NodeConfiguration",
            "Sequencer",
            "Node",
            "Policy",
            "API",
            "Auth",
            "Store",
            "Settlement",
            "L1Mock",
            "Stark",
            "BatchProof",
            "ProverJobs",
            "PostgresStore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]
    ),

    // MARK: - Tests, beside the module they test
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    // Example AIRs (Fibonacci, a chain of RPO permutations) for the Stark tests and benchmarks only.
    .target(name: "StarkExamples", dependencies: ["Stark", "StarkMath", "StarkCrypto"], path: "Tests/StarkExamples"),
    .target(
        name: "SequencerTestSupport",
        dependencies: [
            "Sequencer", "SQLiteStore", "Store", "Ledger", "Policy", "ConfigFiles", "NodeConfiguration", "Primitives",
            "Transactions", .product(name: "Logging", package: "swift-log"),
        ],
        path: "Tests/SequencerTestSupport"
    ),
    .target(
        name: "NodeTestSupport",
        dependencies: [
            "Node", "Sequencer", "SequencerTestSupport", "NodeConfiguration", "Store", "Ledger", "Policy", "ConfigFiles",
            "Primitives", "Transactions", "SQLiteStore",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        path: "Tests/NodeTestSupport"
    ),
    .testTarget(name: "PrimitivesTests", dependencies: ["Primitives", "TestSupport"]),
    .testTarget(name: "TransactionsTests", dependencies: ["Transactions", "Primitives", "TestSupport"]),
    .testTarget(
        name: "StarkMathTests", dependencies: ["StarkMath", "CGoldilocksVector", "TestSupport"], exclude: ["Fixtures"]),
    .testTarget(name: "StarkCryptoTests", dependencies: ["StarkCrypto", "StarkMath", "Primitives", "TestSupport"]),
    .testTarget(
        name: "StarkTests",
        dependencies: ["Stark", "StarkExamples", "StarkMath", "StarkCrypto", "Primitives", "TestSupport"]
    ),
    .testTarget(
        name: "BatchProofTests",
        dependencies: ["BatchProof", "StateTree", "Stark", "StarkMath", "StarkCrypto", "Primitives", "Settlement", "L1Mock"]),
    .testTarget(
        name: "SettlementTests",
        dependencies: [
            "Settlement", "L1Mock", "Primitives", "StarkMath", "StarkCrypto",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]
    ),
    .testTarget(
        name: "DisclosureTests",
        dependencies: ["Disclosure", "StateTree", "StarkCrypto", "StarkMath", "Primitives", "Settlement", "BatchProof", "Transactions"]),
    .testTarget(name: "StateTreeTests", dependencies: ["StateTree", "StarkCrypto", "StarkMath", "TestSupport"]),
    .testTarget(name: "LedgerTests", dependencies: ["Ledger", "Transactions", "Primitives", "TestSupport"]),
    .testTarget(
        name: "PolicyTests", dependencies: ["Policy", "Ledger", "ConfigFiles", "Primitives", "Transactions", "TestSupport"]
    ),
    .testTarget(name: "ConfigFilesTests", dependencies: ["ConfigFiles", "Primitives", "TestSupport"]),
    // Both engines behind `ChainStore`, fresh per test: a SQLite file, or a database on the PostgreSQL test cluster.
    .target(
        name: "StoreTestSupport",
        dependencies: [
            "Store", "SQLiteStore", "PostgresStore", "Primitives", .product(name: "GRDB", package: "GRDB.swift"),
        ],
        path: "Tests/StoreTestSupport"
    ),
    .testTarget(name: "StoreTests", dependencies: ["Store", "Primitives", "StoreTestSupport"]),
    .testTarget(
        name: "PostgresStoreTests",
        dependencies: [
            "PostgresStore", "Store", "Primitives", "StoreTestSupport", .product(name: "Logging", package: "swift-log"),
            .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "NIOCore", package: "swift-nio"),
        ]
    ),
    .testTarget(
        name: "ProverJobsTests",
        dependencies: [
            "ProverJobs", "PostgresStore", "StoreTestSupport", "BatchProof", "StateTree", "Settlement", "StarkMath", "StarkCrypto",
            "Primitives", "Store", .product(name: "Logging", package: "swift-log"),
        ]
    ),
    .testTarget(
        name: "SQLiteStoreTests",
        dependencies: ["SQLiteStore", "Store", "Primitives", .product(name: "GRDB", package: "GRDB.swift")]
    ),
    // The sequencer core on its own: a real SQLite store, no HTTP, settlement or prover.
    .testTarget(
        name: "SequencerTests",
        dependencies: [
            "Sequencer", "SequencerTestSupport", "SQLiteStore", "Store", "Ledger", "Policy", "Primitives", "Transactions",
            "Settlement", "StateTree", "StarkMath", "TestSupport", .product(name: "Logging", package: "swift-log"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]
    ),
    .testTarget(
        name: "NodeTests",
        dependencies: [
            "Node", "Sequencer", "NodeConfiguration", "L1Mock", "Store", "Ledger", "Policy", "ConfigFiles", "Primitives", "Transactions",
            "Settlement", "TestSupport", "NodeTestSupport",
            "BatchProof", "StateTree",
            "SQLiteStore", "PostgresStore", "ProverJobs", "StoreTestSupport",
            .product(name: "Logging", package: "swift-log"), .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
        ]
    ),
    .testTarget(name: "AuthTests", dependencies: ["Auth", "Primitives", .product(name: "JWTKit", package: "jwt-kit")]),
    .testTarget(
        name: "APITests",
        dependencies: [
            "API", "Node", "Sequencer", "NodeConfiguration", "Ledger", "Policy", "Auth", "Primitives", "Transactions", "TestSupport", "NodeTestSupport", "Disclosure", "StateTree",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "JWTKit", package: "jwt-kit"),
        ]
    ),
    .testTarget(name: "CloisterCLITests", dependencies: ["CloisterCLI", "Primitives", "Transactions"]),
]

if benchmarksEnabled {
    dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"])
    )
    let benchmark = Target.Dependency.product(name: "Benchmark", package: "benchmark")
    let plugin = Target.PluginUsage.plugin(name: "BenchmarkPlugin", package: "benchmark")
    targets += [
        .executableTarget(
            name: "PrimitivesBenchmarks",
            dependencies: [benchmark, "Primitives", "Transactions"],
            path: "Benchmarks/PrimitivesBenchmarks",
            plugins: [plugin]
        ),
        .executableTarget(
            name: "PolicyBenchmarks",
            dependencies: [benchmark, "Policy", "Ledger", "ConfigFiles", "Primitives"],
            path: "Benchmarks/PolicyBenchmarks",
            plugins: [plugin]
        ),
        .executableTarget(
            name: "NodeBenchmarks",
            dependencies: [benchmark, "Node", "Sequencer", "NodeConfiguration", "Store", "Ledger", "ConfigFiles", "Primitives", "Transactions",
                           "SQLiteStore",
                           .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/NodeBenchmarks",
            plugins: [plugin]
        ),
        .executableTarget(
            name: "ProofMathBenchmarks",
            dependencies: [benchmark, "StarkMath", "StarkCrypto", "StateTree"],
            path: "Benchmarks/ProofMathBenchmarks",
            plugins: [plugin]
        ),
        .executableTarget(
            name: "StarkBenchmarks",
            dependencies: [benchmark, "Stark", "StarkExamples", "StarkMath", "StarkCrypto"],
            path: "Benchmarks/StarkBenchmarks",
            plugins: [plugin]
        ),
    ]
}

if fuzzEnabled {
    // Each target is an executable whose main.swift hands LLVMFuzzerTestOneInput to
    // libFuzzer's driver (CFuzzDriver): SwiftPM renames an executable's entry point, so
    // libFuzzer's own `main` cannot be used.
    func fuzzTarget(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
        .executableTarget(name: name, dependencies: ["FuzzSupport"] + dependencies, path: "Fuzz/\(name)")
    }
    targets += [
        .target(name: "CFuzzDriver", path: "Fuzz/CFuzzDriver"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzDriver"], path: "Fuzz/FuzzSupport"),
        fuzzTarget("FuzzRLP", ["Primitives"]),
        fuzzTarget("FuzzTransactions", ["Transactions", "Primitives"]),
        fuzzTarget("FuzzJSON", ["API"]),
        fuzzTarget("FuzzJSONRPC", ["API"]),
        fuzzTarget("FuzzL1Wire", ["Settlement", "Primitives"]),
        fuzzTarget("FuzzProofEnvelope", ["BatchProof", "Stark", "Settlement"]),
        fuzzTarget("FuzzPolicy", ["Policy", "Ledger", "Primitives"]),
        fuzzTarget("FuzzSignIn", ["Auth"]),
    ]
}

let package = Package(
    name: "Cloister",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "cloister", targets: ["CloisterCLI"])
    ],
    dependencies: dependencies,
    targets: targets
)
