// `album album build --out DIR SOURCE_DIR...`: joins the albums of trained source tasks (`album train source`) into
// one album artifact, entries in the given order (task-major, snapshot-minor), with its content hash.
import ArgumentParser
import Foundation
import Training

struct AlbumCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "album", abstract: "Build SPE albums.",
                                                    subcommands: [Build.self])

    struct Build: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Join source-task albums into one album.")
        @Option(name: .long, help: "Output album folder.") var out: String
        @Option(name: .long, help: "Album name in task.json (default: the folder name).") var name: String?
        @Argument(help: "Source album folders (from `album train source`).") var sources: [String]

        func run() async throws {
            guard !sources.isEmpty else { throw ValidationError("give at least one source folder") }
            let hash = try TaskArtifacts.buildAlbum(sources: sources.map { URL(fileURLWithPath: $0) }, name: name,
                                                    to: URL(fileURLWithPath: out))
            print("wrote \(out) (\(hash))")
        }
    }
}
