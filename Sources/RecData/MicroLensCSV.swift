import Foundation

// A byte-level reader for the comma-separated MicroLens files (pairs CSV, titles CSV).
//
// Why byte level: a title with invalid UTF-8 must be reported with its line number, and a quoted
// title may span lines, so the file cannot be decoded as a whole or split on newlines first.
//
// Grammar (RFC 4180, section 2, plus the looseness of the official titles file):
// - records end at LF or CRLF outside quotes; a UTF-8 byte order mark at the start is skipped;
// - a field that starts with `"` is quoted: it ends at the next lone `"`, `""` stands for one
//   quote, and commas and line breaks inside are data; after the closing quote only a comma or
//   the end of the record may follow;
// - a field that does not start with `"` runs to the next comma, taken verbatim (a stray quote
//   inside it is data);
// - with `maxFields: n`, the n-th field takes the rest of the record verbatim when unquoted:
//   the official `MicroLens-100k_title_en.csv` writes titles containing commas without quotes,
//   so "split at the first comma only" is the only reading that keeps such titles whole.
// Blank records (an empty line) are skipped.

/// One record: its first line number (1-based) and its fields as raw bytes.
struct CSVRecord {
    var line: Int
    var fields: [[UInt8]]
}

enum MicroLensCSV {
    /// Every record of `data`. Errors name `path` and the line.
    static func records(_ data: Data, path: String, maxFields: Int? = nil) throws -> [CSVRecord] {
        let bytes = [UInt8](data)
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var line = 1
        var out: [CSVRecord] = []
        while i < bytes.count {
            let recordLine = line
            var fields: [[UInt8]] = []
            var endOfRecord = false
            while !endOfRecord {
                var field: [UInt8] = []
                let last = maxFields.map { fields.count == $0 - 1 } ?? false
                if i < bytes.count && bytes[i] == quote {
                    let openLine = line
                    i += 1
                    while true {
                        guard i < bytes.count else {
                            throw DataError("\(path):\(openLine): quoted field is never closed")
                        }
                        let b = bytes[i]
                        if b == quote {
                            if i + 1 < bytes.count && bytes[i + 1] == quote { field.append(quote); i += 2; continue }
                            i += 1
                            break
                        }
                        if b == lf { line += 1 }
                        field.append(b)
                        i += 1
                    }
                    // After the closing quote: a comma, or the end of the record.
                    if i < bytes.count && bytes[i] == cr && (i + 1 == bytes.count || bytes[i + 1] == lf) { i += 1 }
                    if i == bytes.count {
                        endOfRecord = true
                    } else if bytes[i] == lf {
                        i += 1; line += 1; endOfRecord = true
                    } else if bytes[i] == comma && !last {
                        i += 1
                    } else {
                        throw DataError("\(path):\(line): unexpected text after a closing quote")
                    }
                } else {
                    while i < bytes.count && bytes[i] != lf && (last || bytes[i] != comma) {
                        field.append(bytes[i]); i += 1
                    }
                    if i == bytes.count || bytes[i] == lf {
                        if field.last == cr { field.removeLast() }
                        if i < bytes.count { i += 1; line += 1 }
                        endOfRecord = true
                    } else {
                        i += 1  // the comma
                    }
                }
                fields.append(field)
            }
            if fields.count == 1 && fields[0].isEmpty { continue }  // blank line
            out.append(CSVRecord(line: recordLine, fields: fields))
        }
        return out
    }

    /// The field decoded as UTF-8; invalid UTF-8 is an error naming the file, line and field.
    static func text(_ bytes: [UInt8], path: String, line: Int, field: String) throws -> String {
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw DataError("\(path):\(line): \(field) is not valid UTF-8")
        }
        return s
    }

    /// The field as a decimal integer (optional surrounding spaces), or an error.
    static func integer(_ bytes: [UInt8], path: String, line: Int, field: String) throws -> Int {
        guard let s = String(validating: bytes, as: UTF8.self),
              let v = Int(s.trimmingCharacters(in: .whitespaces)) else {
            let shown = String(decoding: bytes.prefix(40), as: UTF8.self)
            throw DataError("\(path):\(line): \(field) '\(shown)' is not an integer")
        }
        return v
    }
}
