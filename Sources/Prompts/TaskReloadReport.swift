// What one rescan of the tasks directory changed: the names added, replaced and removed in the snapshot it
// published, and the entries it skipped (broken, or an album still in use). Unchanged entries are not listed.

/// The outcome of `TaskRegistry.reload()`.
public struct TaskReloadReport: Sendable {
    /// Tasks and albums served now that were not before.
    public var added: [String] = []
    /// Tasks and albums whose version or files changed; the new version serves new requests.
    public var replaced: [String] = []
    /// Tasks and albums no longer on disk, no longer served.
    public var removed: [String] = []
    /// Entries that did not load (any working version of the same name is still served).
    public var issues: [LoadIssue] = []
    /// The generation of the snapshot served after the reload.
    public var generation: Int = 0

    public init() {}

    /// Whether the reload published a new snapshot.
    public var changed: Bool { !(added.isEmpty && replaced.isEmpty && removed.isEmpty) }
}
