import ArgumentParser
import Foundation
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

    func run() throws {
        do {
            let reader = try HDF5Reader(path: file)
            print(try reader.treeDescription(maxAttributeValues: max(maxValues, 1)), terminator: "")
        } catch let error as HDF5Error {
            FileHandle.standardError.write(Data("atflrec inspect: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
