// `album generate`: placeholder, replaced by the issue that owns it.
import ArgumentParser

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "Generate text for an input.")
    func run() async throws {}
}
