// swift-tools-version: 6.1
// Cloister: a private, permissioned chain node. The target list mirrors
// docs/ARCHITECTURE.md: each module imports only the modules below it.
import PackageDescription

import class Foundation.ProcessInfo

/// Benchmarks pull in ordo-one/benchmark and its malloc interposer; CI and
/// everyday builds do not pay for them. `CLOISTER_BENCHMARKS=1 swift package benchmark`.
let benchmarksEnabled = ProcessInfo.processInfo.environment["CLOISTER_BENCHMARKS"] == "1"

var dependencies: [Package.Dependency] = [
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
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
    .target(name: "Primitives", dependencies: ["CSecp256k1", "COpenSSL"]),
    .target(name: "Transactions", dependencies: ["Primitives"]),


    // MARK: - The one executable
    .executableTarget(
        name: "CloisterCLI",
        dependencies: [
            "Primitives",
            "Transactions",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]
    ),

    // MARK: - Tests, beside the module they test
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    .testTarget(name: "PrimitivesTests", dependencies: ["Primitives", "TestSupport"]),
    .testTarget(name: "TransactionsTests", dependencies: ["Transactions", "Primitives", "TestSupport"]),
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
