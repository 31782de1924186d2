import Foundation
import Testing

/// The real MiniLM-L6 weights (fetched by `make minilm`, a prerequisite of `make test`) seen as
/// a shallower encoder: a temporary folder whose config.json says `layers` hidden layers and
/// whose other files are links to the cached model. The encoder reads only the layers its
/// configuration names, so this is MiniLM's pretrained embeddings and first layers — the full
/// ATFLRec pipeline at a CI-sized cost. Returns nil (after recording an issue) when the cache is
/// missing, so the failure names the make step.
public func truncatedMiniLM(layers: Int, sourceLocation: SourceLocation = #_sourceLocation) throws -> URL? {
    let model = Fixtures.repositoryRoot.appendingPathComponent(".cache/models/all-minilm-l6-v2")
    let fm = FileManager.default
    guard fm.fileExists(atPath: model.appendingPathComponent("model.safetensors").path) else {
        Issue.record("\(model.path): missing; `make minilm` fetches it", sourceLocation: sourceLocation)
        return nil
    }
    let dir = try Fixtures.temporaryDirectory("minilm-\(layers)-layers")
    for name in try fm.contentsOfDirectory(atPath: model.path).sorted() where name != "config.json" {
        try fm.createSymbolicLink(at: dir.appendingPathComponent(name), withDestinationURL: model.appendingPathComponent(name))
    }
    let data = try Data(contentsOf: model.appendingPathComponent("config.json"))
    guard var config = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        Issue.record("\(model.path)/config.json: not a JSON object", sourceLocation: sourceLocation)
        return nil
    }
    config["num_hidden_layers"] = layers
    try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]).write(to: dir.appendingPathComponent("config.json"))
    return dir
}
