import ArgumentParser
import Foundation
import Experiments
import HDF5Storage

/// `atflrec inspect FILE.h5`: the tree of an HDF5 file with shapes, element types and attributes.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print the tree of an HDF5 file: groups, datasets (type, shape, chunks, gzip) and attributes.")

    @Argument(help: "The HDF5 file to list.")
    var file: String

    @Option(help: "Show at most this many values of each attribute array.")
    var maxValues: Int = 8

    @Flag(help: "Print only the checkpoint's model tensors hash (result.json's modelTensorsSHA256; checkpoints/README.md).")
    var modelSHA256 = false

    func run() throws {
        do {
            if modelSHA256 {
                print(try ModelTensorsHash.ofFile(file))
                return
            }
            let reader = try HDF5Reader(path: file)
            print(try reader.treeDescription(maxAttributeValues: max(maxValues, 1)), terminator: "")
        } catch let error as HDF5Error {
            FileHandle.standardError.write(Data("atflrec inspect: \(error)\n".utf8))
            throw ExitCode(1)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("atflrec inspect: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
