// swift-tools-version:6.0
// atflrec: a Swift replication of ATFLRec (audio-text fusion + LoRA recommender).
//
// Layers, lowest first; a target only imports targets above it in this list:
//   native bindings  CBLAS, CFFTW, CSndfile, CSampleRate, CHDF5   (system libraries, shims)
//                    CGEMM (our C matrix product: every output the sequential FMA chain, issue 31)
//   foundations      SeededRandom, HDF5Storage
//   tensors          TensorCore -> Autograd -> NeuralLayers, Optimizers
//   modalities       AudioFeatures (FBank), TextModels (tokenizers, BERT/RoBERTa, LoRA)
//   data, metrics    RecData, Evaluation
//   models           ATFLRecModel, Baselines
//   experiments      Experiments (configs, training, checkpoints, paper tables)
//   executables      atflrec (CLI), atflrec-bench (benchmarks)
import PackageDescription

// MARK: - Native libraries (Debian packages installed by `make deps`)

let nativeTargets: [Target] = [
    .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
    .systemLibrary(name: "CSndfile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
    .systemLibrary(name: "CSampleRate", pkgConfig: "samplerate", providers: [.apt(["libsamplerate0-dev"])]),
    .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-serial", providers: [.apt(["libhdf5-dev"])]),
]

// MARK: - Our own C code

let cTargets: [Target] = [
    // The exact single-precision product (Sources/CGEMM/include/cgemm.h states its invariant).
    // -ffp-contract=off: the C must never fuse or split a multiply-add on its own; the kernels'
    // fused multiply-adds are explicit intrinsics. -O3 as the tools/cgemm harnesses measured it.
    .target(name: "CGEMM", cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off"])], linkerSettings: [.linkedLibrary("pthread"), .linkedLibrary("m")]),
]

// MARK: - Library targets

let libraryTargets: [Target] = [
    .target(name: "SeededRandom"),
    .target(name: "HDF5Storage", dependencies: ["CHDF5"]),
    .target(name: "TensorCore", dependencies: ["CBLAS", "CGEMM", "SeededRandom"]),
    .target(name: "Autograd", dependencies: ["TensorCore", "SeededRandom"]),
    .target(name: "NeuralLayers", dependencies: ["Autograd", "TensorCore", "SeededRandom"]),
    .target(name: "Optimizers", dependencies: ["Autograd", "TensorCore"]),
    .target(name: "AudioFeatures", dependencies: [
        "CSndfile", "CSampleRate", "CFFTW", "SeededRandom", "HDF5Storage",
        .product(name: "Crypto", package: "swift-crypto"),  // SHA-256 of cached sources
    ]),
    .target(name: "TextModels", dependencies: ["NeuralLayers", "Autograd", "TensorCore", "SeededRandom", "HDF5Storage"]),
    .target(name: "RecData", dependencies: [
        "SeededRandom", "AudioFeatures", "TextModels", "HDF5Storage",
        .product(name: "Crypto", package: "swift-crypto"),  // hashes of sample tables (reproducibility)
    ]),
    .target(name: "Evaluation", dependencies: ["SeededRandom"]),
    .target(name: "ATFLRecModel", dependencies: ["NeuralLayers", "TextModels", "Autograd", "TensorCore", "SeededRandom"]),
    .target(name: "Baselines", dependencies: [
        "NeuralLayers", "Autograd", "TensorCore", "Optimizers", "Evaluation", "SeededRandom",
    ]),
    .target(name: "Experiments", dependencies: [
        "ATFLRecModel", "Baselines", "Autograd", "RecData", "Evaluation", "Optimizers", "AudioFeatures",
        "TextModels", "HDF5Storage", "SeededRandom", "TensorCore", "CBLAS", "CSndfile",
        .product(name: "Crypto", package: "swift-crypto"),
    ]),
]

// MARK: - Executables

let executableTargets: [Target] = [
    .executableTarget(name: "atflrec", dependencies: [
        "Experiments", "RecData", "AudioFeatures", "TextModels", "HDF5Storage", "Baselines", "TensorCore",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
    ]),
    .executableTarget(name: "atflrec-bench", dependencies: [
        "TensorCore", "Autograd", "NeuralLayers", "Optimizers", "AudioFeatures", "TextModels", "CBLAS", "RecData", "Experiments",
        "ATFLRecModel",
    ]),
]

// MARK: - Tests (one target per library; TestSupport holds the shared assertion helpers)

let testTargets: [Target] = [
    .target(name: "TestSupport", dependencies: ["HDF5Storage", "ATFLRecModel", "Autograd", "TensorCore", "SeededRandom"], path: "Tests/TestSupport"),
    .testTarget(name: "SeededRandomTests", dependencies: ["SeededRandom", "TestSupport"]),
    .testTarget(name: "HDF5StorageTests", dependencies: ["HDF5Storage", "TestSupport"]),
    .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore", "TestSupport"]),
    .testTarget(name: "AutogradTests", dependencies: ["Autograd", "NeuralLayers", "TestSupport"]),
    .testTarget(name: "OptimizersTests", dependencies: ["Optimizers", "Autograd", "TestSupport"]),
    .testTarget(name: "AudioFeaturesTests", dependencies: ["AudioFeatures", "TestSupport"]),
    .testTarget(name: "TextModelsTests", dependencies: ["TextModels", "Optimizers", "TestSupport"]),
    .testTarget(name: "RecDataTests", dependencies: ["RecData", "AudioFeatures", "Evaluation", "TestSupport"]),
    .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "SeededRandom", "TestSupport"]),
    .testTarget(name: "ATFLRecModelTests", dependencies: ["ATFLRecModel", "TestSupport"]),
    .testTarget(name: "BaselinesTests", dependencies: ["Baselines", "Autograd", "TestSupport"]),
    .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "Baselines", "RecData", "HDF5Storage", "TensorCore", "TestSupport", .product(name: "Crypto", package: "swift-crypto")]),
    .testTarget(name: "CLITests", dependencies: ["TestSupport", "TensorCore", .product(name: "Crypto", package: "swift-crypto")]),
]

let package = Package(
    name: "atflrec",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "atflrec", targets: ["atflrec"]),
        .library(name: "ATFLRec", targets: ["Experiments"]),
    ],
    dependencies: [
        // Pinned by exact version (the offline mirror of this machine kind carries 1.8.2).
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        // SHA-256 for configuration hashes, dataset hashes and result manifests.
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
    ],
    targets: nativeTargets + cTargets + libraryTargets + executableTargets + testTargets,
    swiftLanguageModes: [.v5]
)
