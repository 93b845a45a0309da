// swift-tools-version:5.9
// The SwiftPM package for iOS apps; build-xcframework.sh (macOS) produces the binary target
// and the Swift sources it names.
import PackageDescription

let package = Package(
    name: "MobileId",
    platforms: [.iOS(.v15)],
    products: [.library(name: "MobileId", targets: ["MobileId"])],
    targets: [
        .binaryTarget(name: "MobileIdFFI", path: "MobileIdFFI.xcframework"),
        .target(name: "MobileId", dependencies: ["MobileIdFFI"], path: "Sources/MobileId"),
    ]
)
