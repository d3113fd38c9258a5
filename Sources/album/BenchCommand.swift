// `album bench`: placeholder, replaced by the issue that owns it.
import ArgumentParser

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Run benchmarks and print a table.")
    func run() async throws {}
}
