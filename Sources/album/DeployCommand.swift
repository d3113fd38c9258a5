// `album deploy --server URL --tasks-from DIR --task NAME`: uploads a trained task folder to a running Album server
// with `PUT /v1/tasks/{name}` (multipart, one part per file; a hot swap when the name exists). `--with-album` first
// uploads the album an SPE task names, from the same folder. Sub-folders (checkpoints, best) are not sent. The admin
// token (`--token` or ALBUM_ADMIN_TOKEN) goes in `Authorization: Bearer`.
import ArgumentParser
import Foundation
import Prompts

struct DeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "deploy", abstract: "Upload a trained task to a running server.")

    @Option(name: .long, help: "Server base URL, e.g. http://127.0.0.1:8080.") var server: String
    @Option(name: .customLong("tasks-from"), help: "Folder holding the task folder.") var tasksFrom: String
    @Option(name: .long, help: "Task folder name (also the name on the server unless --as is given).") var task: String
    @Option(name: .customLong("as"), help: "Name on the server.") var serverName: String?
    @Flag(name: .customLong("with-album"), help: "SPE: upload the album the task names first.") var withAlbum = false
    @Option(name: .long, help: "The server's admin token (sent as Authorization: Bearer). Default: ALBUM_ADMIN_TOKEN.")
    var token: String?

    /// The token to send: the flag, else ALBUM_ADMIN_TOKEN, else none.
    func resolvedToken(environment: [String: String]) -> String? {
        guard let value = token ?? environment["ALBUM_ADMIN_TOKEN"], !value.isEmpty else { return nil }
        return value
    }

    func run() async throws {
        let folder = URL(fileURLWithPath: tasksFrom).appendingPathComponent(task)
        if withAlbum {
            let manifest = try ArtifactLoader.manifest(of: folder)
            guard let album = manifest.spe?.album else { throw CLIError("--with-album: \(task) is not an SPE task") }
            try upload(URL(fileURLWithPath: tasksFrom).appendingPathComponent(album), as: album)
        }
        try upload(folder, as: serverName ?? task)
    }

    private func upload(_ folder: URL, as name: String) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().filter { file in
            var isDirectory: ObjCBool = false
            return !file.hasPrefix(".") && FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path,
                                                                          isDirectory: &isDirectory) && !isDirectory.boolValue
        }
        guard !names.isEmpty else { throw CLIError("\(folder.path) holds no files") }
        let files = try names.map { (name: $0, data: try Data(contentsOf: folder.appendingPathComponent($0))) }
        let (body, contentType) = HTTPUpload.multipart(files)
        let response = try HTTPUpload.send(server: server, method: "PUT", path: "/v1/tasks/\(name)", contentType: contentType,
                                           bearerToken: resolvedToken(environment: ProcessInfo.processInfo.environment),
                                           body: body)
        guard (200..<300).contains(response.status) else {
            throw CLIError("the server refused \(name) (HTTP \(response.status)): \(response.body)")
        }
        print("deployed \(name): \(response.body.trimmingCharacters(in: .whitespacesAndNewlines))")
    }
}
