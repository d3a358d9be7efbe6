// swift-tools-version:6.1
import PackageDescription

// Layers, bottom up: C shims -> pure logic (HTTP, budgets, sync) -> transport (epoll, TLS)
// -> sidecar assembly -> the `tollgate` executable. Pure targets do no I/O so they can be
// tested deterministically and fuzzed.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    // Dynamic exclusivity checks cost ~5% of a proxied request's instructions (measured with
    // callgrind); the debug build and the tests keep them on.
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
    // Without type-layout lowering IRGen emits destroys of optionals and enums of structs
    // inline; with it, they went through the runtime's generic value witnesses (Optional's,
    // then tuple_destroy per payload), ~5% of a proxied request (callgrind).
    .unsafeFlags(["-Xfrontend", "-disable-type-layout"], .when(configuration: .release)),
]

let package = Package(
    name: "tollgate",
    products: [
        .executable(name: "tollgate", targets: ["tollgate"]),
    ],
    targets: [
        // C: thin shims only.
        .target(name: "CTollgateLinux", path: "Sources/CTollgateLinux"),
        .systemLibrary(name: "CNghttp2", path: "Sources/CNghttp2"),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL"),

        // Pure logic.
        .target(name: "TollgateHTTP", swiftSettings: strict),
        .target(name: "TollgateBudget", swiftSettings: strict),
        .target(name: "TollgateCrypto", dependencies: ["COpenSSL"], swiftSettings: strict),
        .target(name: "TollgateSync", dependencies: ["TollgateCrypto", "TollgateJSON"], swiftSettings: strict),
        .target(name: "TollgateJSON", swiftSettings: strict),
        .target(name: "TollgateConfig", swiftSettings: strict),
        .target(name: "TollgateLLM", dependencies: ["TollgateJSON", "TollgateHTTP"], swiftSettings: strict),
        .target(name: "TollgateRouting", swiftSettings: strict),
        .target(name: "TollgateMCP", dependencies: ["TollgateJSON", "TollgateCrypto"], swiftSettings: strict),

        // Protocol engines and I/O.
        .target(name: "TollgateHTTP2", dependencies: ["TollgateHTTP", "CNghttp2"], swiftSettings: strict),
        .target(name: "TollgateTransport", dependencies: ["CTollgateLinux", "COpenSSL"], swiftSettings: strict),

        // Assembly.
        .target(
            name: "TollgateSidecar",
            dependencies: [
                "TollgateHTTP", "TollgateHTTP2", "TollgateTransport", "TollgateBudget", "TollgateSync", "TollgateCrypto",
                "TollgateJSON", "TollgateConfig", "TollgateLLM", "TollgateRouting", "TollgateMCP",
            ],
            swiftSettings: strict
        ),
        .executableTarget(name: "tollgate", dependencies: ["TollgateSidecar"], swiftSettings: strict),

        .testTarget(name: "TollgateHTTPTests", dependencies: ["TollgateHTTP", "TollgateTestSupport"]),
        .testTarget(name: "TollgateHTTP2Tests", dependencies: ["TollgateHTTP2", "TollgateTestSupport"]),
        .testTarget(name: "TollgateTransportTests", dependencies: ["TollgateTransport", "TollgateTestSupport"]),
        .testTarget(name: "TollgateBudgetTests", dependencies: ["TollgateBudget", "TollgateTestSupport"]),
        .testTarget(name: "TollgateSyncTests", dependencies: ["TollgateSync"]),
        .testTarget(name: "TollgateSidecarTests", dependencies: ["TollgateSidecar"]),
        .target(name: "TollgateTestSupport", dependencies: ["TollgateRouting"], path: "Tests/TollgateTestSupport"),
        .testTarget(name: "TollgateJSONTests", dependencies: ["TollgateJSON", "TollgateTestSupport"]),
        .testTarget(name: "TollgateConfigTests", dependencies: ["TollgateConfig", "TollgateTestSupport"]),
        .testTarget(name: "TollgateLLMTests", dependencies: ["TollgateLLM", "TollgateTestSupport"]),
        .testTarget(name: "TollgateRoutingTests", dependencies: ["TollgateRouting"]),
        .testTarget(name: "TollgateMCPTests", dependencies: ["TollgateMCP"]),
    ],
    swiftLanguageModes: [.v6]
)
