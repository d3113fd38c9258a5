// An immutable view of the registry at one moment: what a batch pins when it starts, so that replacing or removing a
// task never changes a batch already running (hot swap; vLLM-style snapshot isolation).

/// The registry's published state. Value type; holding one keeps its tasks and albums alive.
public struct TaskSnapshot: Sendable {
    /// Increases by one with every change the registry publishes.
    public let generation: Int
    public let tasks: [String: LoadedTask]
    public let albums: [String: PromptAlbum]
    public let subspaces: [String: IPTSubspace]

    public init(generation: Int, tasks: [String: LoadedTask], albums: [String: PromptAlbum],
                subspaces: [String: IPTSubspace] = [:]) {
        self.generation = generation
        self.tasks = tasks
        self.albums = albums
        self.subspaces = subspaces
    }

    public func task(named name: String) -> LoadedTask? { tasks[name] }

    /// Task names, sorted.
    public var taskNames: [String] { tasks.keys.sorted() }

    /// Bytes of tensors held: each task's own tensors plus each album and subspace once.
    public var tensorBytes: Int {
        tasks.values.reduce(0) { $0 + $1.ownedBytes } + albums.values.reduce(0) { $0 + ($1.prompts.count + $1.keys.count) * 4 }
            + subspaces.values.reduce(0) { $0 + $1.tensorBytes }
    }

    /// Served tasks that depend on shared artifact `name` (an album's SPE tasks, a subspace's IPT tasks).
    public func dependents(of name: String) -> [LoadedTask] {
        tasks.values.filter { task in
            if case .spe(let module) = task.prompt { return module.album.name == name }
            return task.subspace?.name == name
        }
    }
}
