// swift-tools-version: 6.1
// Album load tester: open-loop arrivals of mixed-task requests against a running `album serve` on loopback;
// reports p50/p90/p99 latency, throughput and errors. Its own package (like swift-nio's Benchmarks/) so that
// async-http-client stays out of the server build.
import PackageDescription

let package = Package(
    name: "AlbumLoadTest",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Album", path: ".."),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
    ],
    targets: [
        .executableTarget(name: "loadtest", dependencies: [
            .product(name: "ServerAPI", package: "Album"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
    ]
)
