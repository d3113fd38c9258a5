// `album`: the command-line entry point. One root command with subcommands (swift-argument-parser).
// Before anything else runs, the OpenBLAS core type is chosen and the process re-executed if needed
// (see CKernels/cpu.c): OpenBLAS reads OPENBLAS_CORETYPE only when it loads.
import ArgumentParser
import CKernels
import CJemalloc
#if canImport(Glibc)
import Glibc
#endif

@main
struct Album: AsyncParsableCommand {
    static var subcommandList: [any ParsableCommand.Type] {
        var list: [any ParsableCommand.Type] = [
            GenerateCommand.self, ScoreCommand.self, TokenizeCommand.self, TasksCommand.self,
            InspectCommand.self, BenchCommand.self, TrainCommand.self, AlbumCommand.self, SimilarityCommand.self,
            EvalCommand.self, DeployCommand.self, EnsembleCommand.self,
        ]
        #if ALBUM_SERVER
        list.append(ServeCommand.self)
        #endif
        return list
    }

    static let configuration = CommandConfiguration(
        commandName: "album",
        abstract: "Serve and run prompt-conditioned T5 tasks from one resident model.",
        version: AlbumVersion.string,
        subcommands: subcommandList
    )

    static func main() async {
        // Before any kernel reads it: a cap Album does not know is refused, not ignored.
        if let value = getenv("ALBUM_CPU_ISA"), album_parse_isa_cap(value) < 0 {
            exit(withError: ValidationError("ALBUM_CPU_ISA must be avx512, avx2 or portable, got '\(String(cString: value))'"))
        }
        album_ensure_blas_coretype(CommandLine.unsafeArgv)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
