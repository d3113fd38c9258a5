// A shared artifact in `GET /v1/tasks`: an album (the source-prompt snapshots SPE tasks attend over) or an IPT
// subspace (the auto-encoder IPT tasks decode z with). Not servable itself;
// listed so a client sees which SPE tasks depend on it before replacing or removing it (409 album_in_use).

/// Description of one loaded album.
public struct AlbumInfo: Codable, Hashable, Sendable {
    /// One source-prompt snapshot of the album, in tensor order.
    public struct Entry: Codable, Hashable, Sendable {
        public var sourceTask: String
        /// Fraction of the source task's training at which the snapshot was taken, when recorded.
        public var fraction: Double?
        public var step: Int?

        public init(sourceTask: String, fraction: Double?, step: Int?) {
            self.sourceTask = sourceTask
            self.fraction = fraction
            self.step = step
        }

        enum CodingKeys: String, CodingKey {
            case fraction, step
            case sourceTask = "source_task"
        }
    }

    public var name: String
    /// `album`, or `ipt-subspace` for an IPT subspace (tasks carry their method instead).
    public var kind: String = "album"
    public var version: String
    /// `sha256:…` of the prompts; SPE tasks name it as `albumHash`.
    public var hash: String
    /// Rows of each snapshot prompt.
    public var promptTokens: Int
    public var entries: [Entry]
    /// SPE tasks served against this album, sorted.
    public var usedBy: [String]

    public init(name: String, version: String, hash: String, promptTokens: Int, entries: [Entry], usedBy: [String]) {
        self.name = name
        self.version = version
        self.hash = hash
        self.promptTokens = promptTokens
        self.entries = entries
        self.usedBy = usedBy
    }

    enum CodingKeys: String, CodingKey {
        case name, kind, version, hash, entries
        case promptTokens = "prompt_tokens"
        case usedBy = "used_by"
    }
}
