// The Kubernetes manifests (deploy/kubernetes) and the Dockerfile against the server they run: probe paths and
// ports, image name, environment variable names and flags that `album serve --help` knows, the tasks volume
// mounted read-only where ALBUM_TASKS points, the Secret for the admin token, selectors that match, the training
// Jobs' commands and options, and the container's user, health check, port and install script.
import Foundation
import Testing

@Suite struct DeploymentManifestTests {
    static let directory = CLIRunner.repositoryRoot.appendingPathComponent("deploy/kubernetes")

    static func documents() throws -> [String: YAMLNode] {
        var byKindAndName: [String: YAMLNode] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".yaml") {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            for document in try SubsetYAML.documents(text) {
                let kind = try #require(document.at("kind")?.string, "\(file): a document without kind")
                let name = try #require(document.at("metadata.name")?.string, "\(file): a \(kind) without a name")
                byKindAndName["\(kind)/\(name)"] = document
            }
        }
        return byKindAndName
    }

    /// The `--flags` and `ALBUM_*` variables `album serve --help` documents.
    static func serveHelp() async throws -> (flags: Set<String>, variables: Set<String>) {
        let help = try await CLIRunner.run(["serve", "--help"])
        #expect(help.status == 0)
        let text = help.stdout
        return (Set(Self.matches(#"--[a-z][a-z-]*"#, in: text)), Set(Self.matches(#"ALBUM_[A-Z_]+"#, in: text)))
    }

    static func matches(_ pattern: String, in text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { Range($0.range, in: text).map { String(text[$0]) } }
    }

    @Test(.enabled(if: ServerProcess.serveIsBuilt)) func servingManifestsMatchTheServer() async throws {
        let documents = try Self.documents()
        #expect(Set(documents.keys) == ["Deployment/album", "Service/album", "HorizontalPodAutoscaler/album",
                                        "PodDisruptionBudget/album", "PersistentVolumeClaim/album-tasks",
                                        "PersistentVolumeClaim/album-training", "Job/album-train-sources",
                                        "Job/album-build-album"])
        let (flags, variables) = try await Self.serveHelp()
        #expect(flags.contains("--tasks-rescan-ms") && variables.contains("ALBUM_TASKS_RESCAN_MS"))

        let deployment = try #require(documents["Deployment/album"])
        let pod = try #require(deployment.at("spec.template.spec"))
        let container = try #require(pod.at("containers.0"))
        #expect(container.at("image")?.string == "album:latest", "the name docker build -t album gives")
        #expect(container.at("ports.0.name")?.string == "http" && container.at("ports.0.containerPort")?.string == "8080")
        #expect(container.at("readinessProbe.httpGet.path")?.string == "/readyz")
        #expect(container.at("livenessProbe.httpGet.path")?.string == "/healthz")
        #expect(container.at("readinessProbe.httpGet.port")?.string == "http" && container.at("livenessProbe.httpGet.port")?.string == "http")
        for argument in container.at("args")?.items.compactMap(\.string) ?? [] {
            #expect(flags.contains(argument), "\(argument) is not an album serve flag")
        }
        var env: [String: YAMLNode] = [:]
        for item in container.at("env")?.items ?? [] {
            let name = try #require(item.at("name")?.string)
            #expect(variables.contains(name), "\(name) is not an environment variable of album serve")
            env[name] = item
        }
        #expect(env["ALBUM_PORT"]?.at("value")?.string == "8080" && env["ALBUM_HOST"]?.at("value")?.string == "0.0.0.0")
        #expect(Int(env["ALBUM_TASKS_RESCAN_MS"]?.at("value")?.string ?? "") ?? 0 > 0, "replicas rescan the shared volume")
        #expect(env["ALBUM_ADMIN_TOKEN"]?.at("valueFrom.secretKeyRef.name")?.string == "album-admin")
        let tasksPath = try #require(env["ALBUM_TASKS"]?.at("value")?.string)
        let mount = try #require(container.at("volumeMounts")?.items.first { $0.at("mountPath")?.string == tasksPath },
                                 "ALBUM_TASKS=\(tasksPath) is not a mounted volume")
        #expect(mount.at("readOnly")?.string == "true")
        let volume = try #require(pod.at("volumes")?.items.first { $0.at("name")?.string == mount.at("name")?.string })
        #expect(documents["PersistentVolumeClaim/\(volume.at("persistentVolumeClaim.claimName")?.string ?? "")"] != nil)
        #expect(container.at("resources.requests.memory") != nil && container.at("resources.limits.memory") != nil)
        #expect(pod.at("securityContext.runAsNonRoot")?.string == "true" && pod.at("securityContext.runAsUser")?.string == "10001")

        let labels = deployment.at("spec.template.metadata.labels")
        #expect(documents["Service/album"]?.at("spec.selector") == labels)
        #expect(documents["Service/album"]?.at("spec.ports.0.targetPort")?.string == "http")
        #expect(documents["PodDisruptionBudget/album"]?.at("spec.selector.matchLabels") == labels)
        let autoscaler = try #require(documents["HorizontalPodAutoscaler/album"])
        #expect(autoscaler.at("spec.scaleTargetRef.kind")?.string == "Deployment" && autoscaler.at("spec.scaleTargetRef.name")?.string == "album")
        #expect(autoscaler.at("spec.metrics.0.resource.name")?.string == "cpu")
    }

    @Test func trainingJobsRunTheCommandsTheyName() async throws {
        let documents = try Self.documents()
        let sources = try #require(documents["Job/album-train-sources"])
        #expect(sources.at("spec.completionMode")?.string == "Indexed")
        let container = try #require(sources.at("spec.template.spec.containers.0"))
        let names = container.at("env")?.items.first { $0.at("name")?.string == "SOURCE_TASKS" }?.at("value")?.string ?? ""
        #expect(sources.at("spec.completions")?.string == String(names.split(separator: " ").count),
                "one completion per source task")
        let train = container.at("command.2")?.string ?? ""
        #expect(train.contains("JOB_COMPLETION_INDEX") && train.contains("album train source"))
        let build = try #require(documents["Job/album-build-album"]?.at("spec.template.spec.containers.0.command.2")?.string)
        #expect(build.contains("album album build") && build.contains("album tasks import"))
        // Every option a Job passes exists on that subcommand.
        for (script, command) in [(train, ["train", "source"]), (build, ["album", "build"]), (build, ["tasks", "import"])] {
            let help = try await CLIRunner.run(command + ["--help"])
            #expect(help.status == 0)
            let lines = script.components(separatedBy: "\n")
            let start = try #require(lines.firstIndex { $0.contains("album " + command.joined(separator: " ")) })
            var end = start
            while end + 1 < lines.count && lines[end].hasSuffix("\\") { end += 1 }
            let used = Self.matches(#"--[a-z][a-z-]*"#, in: lines[start...end].joined(separator: "\n"))
            for option in Set(used + (command == ["train", "source"] ? ["--task-json"] : [])) {
                #expect(help.stdout.contains(option), "album \(command.joined(separator: " ")) has no \(option)")
            }
        }
        for job in ["Job/album-train-sources", "Job/album-build-album"] {
            for volume in documents[job]?.at("spec.template.spec.volumes")?.items ?? [] {
                let claim = volume.at("persistentVolumeClaim.claimName")?.string ?? ""
                #expect(documents["PersistentVolumeClaim/\(claim)"] != nil, "\(job) mounts an undefined claim \(claim)")
            }
        }
    }

    @Test(.enabled(if: ServerProcess.serveIsBuilt)) func dockerfileRunsTheServerAsDocumented() async throws {
        let dockerfile = try String(contentsOf: CLIRunner.repositoryRoot.appendingPathComponent("Dockerfile"), encoding: .utf8)
        let lines = dockerfile.components(separatedBy: "\n")
        func instruction(_ name: String) -> [String] {
            lines.filter { $0.hasPrefix(name + " ") }.map { String($0.dropFirst(name.count + 1)) }
        }
        #expect(instruction("RUN").contains("scripts/install-deps.sh"), "the build stage uses CI's install script")
        #expect(dockerfile.contains("install-deps.sh --runtime"))
        let user = try #require(instruction("USER").last)
        #expect(user != "root" && !user.hasPrefix("0"), "runs as non-root: \(user)")
        #expect(instruction("EXPOSE") == ["8080"])
        let healthcheck = try #require(dockerfile.range(of: "HEALTHCHECK"))
        #expect(dockerfile[healthcheck.upperBound...].prefix(200).contains("/healthz"))
        #expect(dockerfile.contains("COPY --chown=album:album models/default /models/default"))
        #expect(dockerfile.contains("COPY --chown=album:album models/tasks /models/tasks"))
        let ignored = try String(contentsOf: CLIRunner.repositoryRoot.appendingPathComponent(".dockerignore"), encoding: .utf8)
        #expect(!ignored.components(separatedBy: "\n").contains("models"), "the demo model goes into the image")
        let (_, variables) = try await Self.serveHelp()
        for name in Set(Self.matches(#"ALBUM_[A-Z_]+"#, in: dockerfile)) {
            #expect(variables.contains(name), "the Dockerfile sets \(name), which album serve does not read")
        }
        #expect(instruction("ENTRYPOINT") == [#"["album", "serve"]"#])
    }
}
