// `album serve`: placeholder until the serving issue lands.
import ArgumentParser

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve tasks over HTTP.")
    func run() async throws {}
}
