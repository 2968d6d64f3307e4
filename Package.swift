// swift-tools-version:6.0
import PackageDescription

// Rooms, lowest first. A room imports only rooms above it in this list
// (see the design document): GGUF and Kernels know nothing of chat, the
// FAT library knows nothing of prompts, the command line only parses and calls.
let package = Package(
  name: "aistick",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "aistick", targets: ["aistick"]),
    .library(name: "LLM", targets: ["LLM"]),
    .library(name: "FATFS", targets: ["FATFS"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
  ],
  targets: [
    .target(
      name: "GGUF",
      dependencies: [.product(name: "SystemPackage", package: "swift-system")]),
    .target(name: "Kernels", dependencies: ["GGUF"]),
    .target(name: "Tokenizer", dependencies: ["GGUF"]),
    .target(name: "LLM", dependencies: ["GGUF", "Kernels", "Tokenizer"]),
    // Debian's libinotifytools0-dev ships no pkg-config file: the modulemap links it.
    .systemLibrary(name: "CInotifyTools", providers: [.apt(["libinotifytools0-dev"])]),
    .target(
      name: "Stick",
      dependencies: [
        "Tokenizer", "LLM", "FATFS", "CInotifyTools",
        .product(name: "SystemPackage", package: "swift-system"),
      ]),
    .target(
      name: "FATFS",
      dependencies: [.product(name: "SystemPackage", package: "swift-system")]),
    // The OpenAI-compatible HTTP API over the same queue and engines.
    .target(
      name: "Server",
      dependencies: [
        "Stick", "LLM", "Tokenizer",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ]),
    // Answers from another OpenAI-compatible server, with the model on the board to fall back on.
    .target(
      name: "Remote",
      dependencies: [
        "Stick", "LLM", "Tokenizer",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
      ]),
    .systemLibrary(
      name: "CLibUSB", pkgConfig: "libusb-1.0", providers: [.apt(["libusb-1.0-0-dev"])]),
    .target(name: "USBProbe", dependencies: ["CLibUSB"]),
    .executableTarget(
      name: "aistick",
      dependencies: [
        "GGUF", "LLM", "FATFS", "Stick", "Server", "Remote", "USBProbe",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    // Shared by the test targets: where the checkout and the default model
    // are, and running real programs.
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    .testTarget(name: "GGUFTests", dependencies: ["GGUF", "TestSupport"]),
    // ArmCode holds sources the Arm code test compiles with the kernels.
    .testTarget(
      name: "KernelsTests", dependencies: ["Kernels", "GGUF", "TestSupport"], exclude: ["ArmCode"]),
    .testTarget(
      name: "TokenizerTests", dependencies: ["Tokenizer", "GGUF", "TestSupport"],
      resources: [.copy("Fixtures")]),
    .testTarget(
      name: "LLMTests", dependencies: ["LLM", "GGUF", "Kernels", "Tokenizer", "TestSupport"],
      exclude: ["Reference"], resources: [.copy("Fixtures")]),
    .testTarget(
      name: "FATFSTests",
      dependencies: [
        "FATFS", "TestSupport", .product(name: "SystemPackage", package: "swift-system"),
      ]),
    .testTarget(
      name: "ImageTests",
      dependencies: [
        "FATFS", "TestSupport", .product(name: "SystemPackage", package: "swift-system"),
      ]),
    .testTarget(name: "CommandLineTests", dependencies: ["aistick", "TestSupport"]),
    .testTarget(name: "StickTests", dependencies: ["Stick", "LLM", "TestSupport"]),
    // The remote engine: its stream reader, and the real program against real servers.
    .testTarget(
      name: "RemoteTests", dependencies: ["Remote", "Stick", "LLM", "aistick", "TestSupport"],
      exclude: ["fake_server.py"]),
    // The real server with the real model, driven by curl and the openai Python package.
    .testTarget(
      name: "ServerTests", dependencies: ["aistick", "TestSupport"],
      exclude: ["openai_client.py"]),
    // gadget/ against a stand-in configfs, and the USB end-to-end run under QEMU.
    .testTarget(name: "GadgetTests", dependencies: ["TestSupport", "GGUF"], exclude: ["QEMU"]),
  ],
  swiftLanguageModes: [.v6]
)
