// `album tasks list|show|import|export|validate|remove --tasks DIR`: manage a tasks directory with the same registry
// the server uses (validation against the model, crash-safe revisions). docs/task-format.md describes the format.
import ArgumentParser
import Foundation
import Prompts

struct TasksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks", abstract: "Manage a tasks directory.",
        subcommands: [List.self, Show.self, Import.self, Export.self, Validate.self, Remove.self])

    struct DirectoryOptions: ParsableArguments {
        @Option(name: .long, help: "Tasks directory.")
        var tasks: String = "models/tasks"

        @Option(name: .long, help: "Checkpoint the tasks are validated against.")
        var model: String = "models/default"

        func registry() throws -> TaskRegistry {
            try TaskRegistry(directory: URL(fileURLWithPath: tasks), model: BaseModelInfo(checkpoint: URL(fileURLWithPath: model)))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tasks and albums (and entries that failed to load).")
        @OptionGroup var options: DirectoryOptions

        func run() async throws {
            let registry = try options.registry()
            let snapshot = registry.snapshot()
            print("NAME\tKIND\tVERSION\tSOURCE\tPROMPT\tLABELS")
            for name in snapshot.taskNames {
                let task = snapshot.task(named: name)!
                print("\(name)\t\(task.kind.rawValue)\t\(task.version)\t\(task.source)\t\(task.promptLength)\t\(task.labels?.joined(separator: ",") ?? "-")")
            }
            for (name, album) in snapshot.albums.sorted(by: { $0.key < $1.key }) {
                print("\(name)\talbum\t\(album.version)\t\(album.count)×\(album.promptLength)×\(album.dModel)\t-\t-")
            }
            for (name, subspace) in snapshot.subspaces.sorted(by: { $0.key < $1.key }) {
                let ae = subspace.autoencoder
                print("\(name)\tipt-subspace\t\(subspace.version)\td_I=\(ae.intrinsicDim),H=\(ae.hidden)\t\(ae.promptLength)\t-")
            }
            for issue in registry.issues { print("FAILED\t\(issue)") }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one task's manifest and facts as JSON.")
        @OptionGroup var options: DirectoryOptions
        @Argument(help: "Task or album name.") var name: String

        func run() async throws {
            let snapshot = try options.registry().snapshot()
            var facts: [String: Any]
            if let task = snapshot.task(named: name) {
                facts = ["kind": task.kind.rawValue, "version": String(task.version), "source": task.source,
                         "promptLength": task.promptLength, "template": task.template.source, "fields": task.template.fields,
                         "decoding": ["mode": task.decoding.mode.rawValue, "maxNewTokens": task.decoding.maxNewTokens],
                         "ownedBytes": task.ownedBytes, "warnings": task.warnings]
                if let labels = task.labels { facts["labels"] = labels }
                if let limit = task.maxInputTokens { facts["maxInputTokens"] = limit }
                if case .spe(let module) = task.prompt {
                    facts["spe"] = ["album": module.album.name, "albumHash": module.album.hash, "candidates": module.candidateCount,
                                    "bottleneck": module.bottleneck, "temperature": Double(module.temperature),
                                    "pooling": module.pooling.rawValue, "includeTaskInAttention": module.includeTaskInAttention]
                }
                if let subspace = task.subspace {
                    facts["ipt"] = ["subspace": subspace.name, "subspaceHash": subspace.hash, "intrinsicDim": subspace.intrinsicDim]
                }
            } else if let album = snapshot.albums[name] {
                facts = ["kind": "album", "version": String(album.version), "hash": album.hash, "shape": album.prompts.shape,
                         "entries": album.entries.map { ["sourceTask": $0.sourceTask, "fraction": $0.fraction.map { $0 as Any } ?? NSNull(), "step": $0.step.map { $0 as Any } ?? NSNull()] }]
            } else if let subspace = snapshot.subspaces[name] {
                let ae = subspace.autoencoder
                facts = ["kind": "ipt-subspace", "version": String(subspace.version), "hash": subspace.hash,
                         "promptLength": ae.promptLength, "dModel": ae.dModel, "intrinsicDim": ae.intrinsicDim,
                         "hidden": ae.hidden, "sources": subspace.sources]
            } else {
                throw CLIError("no task or album named '\(name)'")
            }
            facts["name"] = name
            let data = try JSONSerialization.data(withJSONObject: facts, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate an artifact folder (Album task, album, PEFT adapter, T5X .npy) and add or replace it.")
        @OptionGroup var options: DirectoryOptions
        @Argument(help: "Artifact folder.") var path: String
        @Option(name: .long, help: "Task name (default: the folder name).") var name: String?

        func run() async throws {
            let source = URL(fileURLWithPath: path)
            let name = self.name ?? source.standardizedFileURL.lastPathComponent
            let artifact = try await options.registry().put(name: name, from: source)
            switch artifact {
            case .task(let task): print("imported task \(name) (\(task.source)) as version \(task.version)")
            case .album(let album): print("imported album \(name) (\(album.count) prompts) as version \(album.version)")
            case .subspace(let subspace):
                print("imported IPT subspace \(name) (d_I=\(subspace.intrinsicDim)) as version \(subspace.version)")
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a static task's prompt as a PEFT PROMPT_TUNING adapter, with a task.json keeping its template, labels and limits.")
        @OptionGroup var options: DirectoryOptions
        @Argument(help: "Task name.") var name: String
        @Option(name: .long, help: "Output folder (adapter_config.json + adapter_model.safetensors + task.json).") var out: String

        func run() async throws {
            let registry = try options.registry()
            guard let task = registry.snapshot().task(named: name) else { throw CLIError("no task named '\(name)'") }
            guard case .fixed(let prompt) = task.prompt else {
                throw CLIError(task.kind == .ensemble
                    ? "'\(name)' is an ensemble task: its K prompts have no single PEFT equivalent (its folder is already portable: copy it or `album tasks import` it)"
                    : "'\(name)' is an SPE task: its prompt depends on the input and has no PEFT equivalent")
            }
            try PEFTExport.write(prompt: prompt, baseModelNameOrPath: nil, to: URL(fileURLWithPath: out))
            // PEFT reads only the adapter files; the manifest keeps what Album serves the task with, so importing or
            // uploading the folder gives the same task (template, labels, decoding, limits, checkpoint fingerprint).
            var manifest = task.manifest
            manifest.kind = .staticPrompt
            manifest.promptFormat = .peft
            manifest.promptFile = nil
            manifest.peftTaskId = nil
            manifest.ipt = nil  // an IPT task exports its computed prompt Proj_b(z)
            manifest.promptLength = prompt.shape[0]
            manifest.baseModel = BaseModelRef(fingerprint: registry.model.fingerprint, dModel: registry.model.dModel)
            try manifest.encoded().write(to: URL(fileURLWithPath: out).appendingPathComponent(TaskManifest.fileName))
            print("wrote PEFT adapter (\(prompt.shape[0]) virtual tokens, d=\(prompt.shape[1])) to \(out)")
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate every entry of the tasks directory, or one artifact folder; exits non-zero on any problem.")
        @OptionGroup var options: DirectoryOptions
        @Argument(help: "One artifact folder (default: the whole tasks directory).") var path: String?

        func run() async throws {
            let registry = try options.registry()
            if let path {
                let url = URL(fileURLWithPath: path)
                let artifact = try ArtifactLoader.load(directory: url, name: url.standardizedFileURL.lastPathComponent, version: 0,
                                                       model: registry.model, albums: registry.snapshot().albums,
                                                       subspaces: registry.snapshot().subspaces)
                print("ok: \(artifact.name)")
                return
            }
            let snapshot = registry.snapshot()
            let subspaces = snapshot.subspaces.isEmpty ? "" : ", \(snapshot.subspaces.count) IPT subspaces"
            print("ok: \(snapshot.tasks.count) tasks, \(snapshot.albums.count) albums\(subspaces)")
            for name in snapshot.taskNames {
                for warning in snapshot.task(named: name)!.warnings { print("warning: \(name): \(warning)") }
            }
            if !registry.issues.isEmpty {
                for issue in registry.issues { print("error: \(issue)") }
                throw ExitCode(1)
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a task or an unused album.")
        @OptionGroup var options: DirectoryOptions
        @Argument(help: "Task or album name.") var name: String

        func run() async throws {
            try await options.registry().remove(name: name)
            print("removed \(name)")
        }
    }
}
