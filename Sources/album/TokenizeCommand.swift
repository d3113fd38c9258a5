// `album tokenize`: placeholder, replaced by the issue that owns it.
import ArgumentParser

struct TokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenize", abstract: "Tokenize or decode text.")
    func run() async throws {}
}
