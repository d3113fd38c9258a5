// Body of `POST /v1/tasks/reload`: what a rescan of the tasks directory changed (also what SIGHUP and the periodic
// rescan of `--tasks-rescan-ms` log). Unchanged entries are not listed.

/// The outcome of one reload.
public struct TaskReloadResult: Codable, Hashable, Sendable {
    /// An entry of the tasks directory that did not load; any working version of the same name is still served.
    public struct Skipped: Codable, Hashable, Sendable {
        /// The folder (`name` or `name@revision`), or an album name kept because SPE tasks still use it.
        public var entry: String
        public var error: String
        public init(entry: String, error: String) {
            self.entry = entry
            self.error = error
        }
    }

    public var added: [String]
    public var replaced: [String]
    public var removed: [String]
    public var skipped: [Skipped]
    /// Increases with every change published; equal before and after a reload that changed nothing.
    public var generation: Int

    public init(added: [String], replaced: [String], removed: [String], skipped: [Skipped], generation: Int) {
        self.added = added
        self.replaced = replaced
        self.removed = removed
        self.skipped = skipped
        self.generation = generation
    }
}
