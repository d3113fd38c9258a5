// swift-tools-version: 6.1
// Album: a Swift inference server for multi-task, prompt-conditioned T5.
// Module graph (dependencies only point down): see docs/ARCHITECTURE.md.
//
// ALBUM_MODEL_ONLY=1 drops the HTTP stack (Engine, Server and their NIO/Hummingbird dependencies) so the model,
// tokenizer and prompt modules build and test in a fraction of the time on a 2-core machine. CI builds everything.
import PackageDescription

let modelOnly = Context.environment["ALBUM_MODEL_ONLY"] == "1"

/// C kernels are always built optimised (even in debug builds) so that tests stay fast; elementwise.c picks its
/// AVX-512 / AVX2+FMA / portable variant by CPU features at first use.
let optimisedC: [CSetting] = [.unsafeFlags(["-O3", "-fno-math-errno", "-fno-trapping-math"])]

var dependencies: [Package.Dependency] = [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
]

var targets: [Target] = [
    // MARK: System libraries and C kernels
    .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(name: "CJemalloc", pkgConfig: "jemalloc", providers: [.apt(["libjemalloc-dev"])]),
    // oneDNN (Debian libdnnl-dev) supplies the int8 GEMM; libgomp is its threading runtime (one thread per call).
    .target(name: "CKernels", cSettings: optimisedC,
            linkerSettings: [.linkedLibrary("dnnl"), .linkedLibrary("gomp")]),

    // MARK: Model stack
    .target(name: "Kernels", dependencies: ["CBLAS", "CKernels"]),
    .target(name: "SafeTensors"),
    .target(name: "Tokenization"),
    .target(name: "T5", dependencies: ["Kernels", "SafeTensors"]),
    .target(name: "Prompts", dependencies: ["T5", "Kernels", "SafeTensors"]),
    .target(name: "Scheduling", dependencies: [.product(name: "DequeModule", package: "swift-collections")]),
    .target(name: "TestSupport", dependencies: ["Kernels", "SafeTensors"], path: "Sources/TestSupport"),
    // The offline trainer: optimizers, schedules, datasets, and the loop over T5 + prompts (album → Training).
    .target(name: "Training", dependencies: ["Kernels", "T5", "Prompts", "Tokenization", "SafeTensors"]),

    // MARK: Tests of the model stack
    .testTarget(name: "KernelsTests", dependencies: ["Kernels", "CKernels", "TestSupport"]),
    .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors", "TestSupport"]),
    .testTarget(name: "TokenizationTests", dependencies: ["Tokenization", "TestSupport"]),
    .testTarget(name: "T5Tests", dependencies: ["T5", "Kernels", "SafeTensors", "Tokenization", "Training", "TestSupport"]),
    .testTarget(name: "PromptsTests", dependencies: ["Prompts", "T5", "Kernels", "SafeTensors", "Training", "TestSupport"]),
    .testTarget(name: "SchedulingTests", dependencies: ["Scheduling"]),
    .testTarget(name: "TrainingTests", dependencies: ["Training", "Kernels", "T5", "Prompts", "Tokenization", "SafeTensors",
                                                      "TestSupport"]),
]

var albumDependencies: [Target.Dependency] = [
    "CJemalloc", "CKernels", "Kernels", "SafeTensors", "Tokenization", "T5", "Prompts", "Training",
    .product(name: "ArgumentParser", package: "swift-argument-parser"),
]

if !modelOnly {
    dependencies += [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    ]
    targets += [
        .target(name: "ServerAPI"),
        .target(name: "Engine", dependencies: [
            "Scheduling", "Prompts", "T5", "Kernels", "Tokenization", "ServerAPI",
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ]),
        .target(name: "Server", dependencies: [
            "Engine", "ServerAPI",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Prompts", "T5", "Scheduling", "ServerAPI", "TestSupport"]),
        .testTarget(name: "ServerTests", dependencies: [
            "Server", "ServerAPI", "Engine", "Prompts", "T5", "Kernels", "TestSupport",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
    ]
    albumDependencies += ["Engine", "Server"]
}

targets += [
    .executableTarget(
        name: "album", dependencies: albumDependencies,
        exclude: modelOnly ? ["ServeCommand.swift"] : [],
        swiftSettings: modelOnly ? [] : [.define("ALBUM_SERVER")]),
    .testTarget(name: "AlbumTests", dependencies: ["album", "TestSupport"]),
]

/// The wire types, for the load tester (`loadtest/`, a separate package that depends on this one by path).
let serverAPIProduct: [Product] = modelOnly ? [] : [Product.`library`(name: "ServerAPI", targets: ["ServerAPI"])]

let package = Package(
    name: "Album",
    platforms: [.macOS(.v15)],
    products: [.executable(name: "album", targets: ["album"])] + serverAPIProduct,
    dependencies: dependencies,
    targets: targets
)
