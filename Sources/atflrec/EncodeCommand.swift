import ArgumentParser
import Autograd
import Foundation
import HDF5Storage
import SeededRandom
import TextModels

/// `atflrec encode --model DIR --text-file FILE --output OUT.h5 [--max-length N]`: runs the
/// frozen encoder (BERT or RoBERTa) over one text per line, so its outputs can be compared with
/// another library's.
struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Encode one text per line with a BERT/RoBERTa model folder into an HDF5 file.",
        discussion: """
            Writes /input_ids (int32 [n, T], padded with the pad id), /lengths (int32 [n]),
            /last_hidden_state (float32 [n, T, C]; rows past a text's length are zero) and
            /mean_pooled (float32 [n, C], mean over each text's tokens, special tokens included).
            T is the longest tokenized text. The file appears only when complete.
            """)

    @Option(help: "Model folder: config.json, model.safetensors and vocab.txt, vocab.json + merges.txt or tokenizer.json.")
    var model: String

    @Option(help: "UTF-8 text file, one text per line.")
    var textFile: String

    @Option(help: "The HDF5 file to write.")
    var output: String

    @Option(help: "Truncate each text to this many tokens, special tokens included (default: the model's maximum).")
    var maxLength: Int?

    @Option(help: "Texts per forward pass (memory only; the output does not depend on it).")
    var batchSize: Int = 16

    struct Failure: Error, CustomStringConvertible { let description: String }

    func run() throws {
        do {
            try encode()
        } catch {
            FileHandle.standardError.write(Data("atflrec encode: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    func encode() throws {
        guard let data = FileManager.default.contents(atPath: textFile) else { throw Failure(description: "\(textFile): cannot be read") }
        guard let text = String(data: data, encoding: .utf8) else { throw Failure(description: "\(textFile): not UTF-8 text") }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        if lines.last == "" { lines.removeLast() }       // the final newline ends the last line
        guard !lines.isEmpty else { throw Failure(description: "\(textFile): no texts") }
        guard batchSize > 0 else { throw Failure(description: "--batch-size must be positive, not \(batchSize)") }

        let encoder = try BertEncoder(directory: model)
        let tokenizer = try loadTokenizer(directory: model)
        let limit = maxLength ?? encoder.maxSequenceLength
        guard limit >= 2, limit <= encoder.maxSequenceLength else {
            throw Failure(description: "--max-length \(limit) is outside 2...\(encoder.maxSequenceLength) for \(model)")
        }
        let ids = lines.map { tokenizer.encode($0, maxLength: limit) }
        if let bad = ids.joined().first(where: { $0 < 0 || $0 >= encoder.configuration.vocabSize }) {
            throw Failure(description: "\(model): token id \(bad) is outside the model's vocab_size \(encoder.configuration.vocabSize)")
        }
        let n = ids.count, T = ids.map(\.count).max()!, C = encoder.configuration.hiddenSize
        var hidden = [Float](repeating: 0, count: n * T * C)    // [n, T, C]
        var pooled = [Float](repeating: 0, count: n * C)        // [n, C]
        var unused = RandomStream(state: 0)                      // no dropout without an adapter
        for start in stride(from: 0, to: n, by: batchSize) {
            let batch = Array(ids[start..<min(n, start + batchSize)])
            let tape = Tape<Float>(recording: false, training: false)
            let last = encoder.forward(batch, random: &unused, on: tape).last!.value.scalars   // [b, Tb, C]
            let Tb = batch.map(\.count).max()!
            for (j, sample) in batch.enumerated() {
                let i = start + j
                for t in 0..<sample.count {
                    let source = (j * Tb + t) * C, target = (i * T + t) * C
                    for c in 0..<C {
                        hidden[target + c] = last[source + c]
                        pooled[i * C + c] += last[source + c]
                    }
                }
                for c in 0..<C { pooled[i * C + c] /= Float(sample.count) }
            }
        }
        let padded = ids.flatMap { $0.map(Int32.init) + [Int32](repeating: Int32(tokenizer.padding), count: T - $0.count) }
        let writer = try HDF5Writer(path: output)
        try writer.write(padded, shape: [n, T], to: "/input_ids")
        try writer.write(ids.map { Int32($0.count) }, shape: [n], to: "/lengths")
        try writer.write(hidden, shape: [n, T, C], to: "/last_hidden_state", gzipLevel: 4)
        try writer.write(pooled, shape: [n, C], to: "/mean_pooled")
        try writer.setAttribute("format_version", .int(1))
        try writer.setAttribute("model_type", .string(encoder.configuration.modelType))
        try writer.setAttribute("model", .string(model))
        try writer.setAttribute("max_length", .int(Int64(limit)))
        try writer.commit()
        print("atflrec encode: \(n) texts, up to \(T) tokens, hidden \(C) -> \(output)")
    }
}
