// `album score`: placeholder, replaced by the issue that owns it.
import ArgumentParser

struct ScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "score", abstract: "Log-likelihood of a target sequence.")
    func run() async throws {}
}
