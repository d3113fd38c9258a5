// `album tasks`: placeholder, replaced by the issue that owns it.
import ArgumentParser

struct TasksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tasks", abstract: "Manage a tasks directory.")
    func run() async throws {}
}
