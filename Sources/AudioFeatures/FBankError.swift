// Errors of the audio front end. Every message is one line that names the file (or option) and
// the reason, for the CLI to print as is.

/// An invalid option or an input the FBank cannot process.
public enum FBankError: Error, CustomStringConvertible, Equatable {
    /// An option value Kaldi would reject: (option name, reason).
    case invalidOption(String, String)
    /// Any problem with one input file: (path, reason).
    case badInput(String, String)
    /// dither > 0 but no random stream was passed.
    case ditherNeedsStream

    public var description: String {
        switch self {
        case let .invalidOption(name, why): return "option \(name): \(why)"
        case let .badInput(path, why): return "\(path): \(why)"
        case .ditherNeedsStream: return "dither > 0 needs a RandomStream (SeedBook.stream(.dither))"
        }
    }
}
