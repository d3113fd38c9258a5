// The OpenAPI document against the docs and the server: every curl request written in README.md and docs/*.md
// names a documented route, its JSON body validates against that route's request schema, and sent through the real
// router to a real engine over the bundled demo model and tasks it gets a 2xx answer whose JSON validates against
// the documented response schema. Uploads (-F) and requests with shell variables are skipped (the docs check runs
// those live).
import Engine
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
@testable import Server
import Testing

@Suite struct DocumentedExamplesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// One curl request as written in a document.
    struct Example: Sendable {
        let origin: String
        let method: String
        let path: String
        let body: String?
        /// False when its code block also runs other commands (an `album deploy` first): then the request needs
        /// their state, and only the docs check, which runs whole blocks, sends it.
        var standalone = true
    }

    /// Every curl command in the fenced code blocks of README.md and docs/*.md (continuation lines and quoted
    /// arguments over several lines joined).
    static func examples() throws -> [Example] {
        var files = [root.appendingPathComponent("README.md")]
        let docs = root.appendingPathComponent("docs")
        files += try FileManager.default.contentsOfDirectory(atPath: docs.path).filter { $0.hasSuffix(".md") }.sorted()
            .map { docs.appendingPathComponent($0) }
        var found: [Example] = []
        for file in files {
            var inBlock = false, pending = "", startLine = 0, blockStart = 0, blockRunsOther = false
            for (number, raw) in try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n").enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.hasPrefix("```") {
                    if inBlock && blockRunsOther {  // the block ran other commands: its requests are not standalone
                        for index in blockStart..<found.count { found[index].standalone = false }
                    }
                    inBlock.toggle()
                    pending = ""
                    blockStart = found.count
                    blockRunsOther = false
                    continue
                }
                guard inBlock else { continue }
                if pending.isEmpty && !line.isEmpty && !line.hasPrefix("#") && !line.hasPrefix("curl") { blockRunsOther = true }
                if pending.isEmpty { startLine = number + 1 }
                pending += line.hasSuffix("\\") ? String(line.dropLast()) + " " : line
                // A line continues after a backslash, or while a single-quoted argument is open.
                if line.hasSuffix("\\") { continue }
                if pending.filter({ $0 == "'" }).count % 2 == 1 { pending += " "; continue }
                defer { pending = "" }
                guard let example = parse(pending, origin: "\(file.lastPathComponent):\(startLine)") else { continue }
                found.append(example)
            }
        }
        return found
    }

    /// The request of a `curl` command line against the local server, or nil for anything else.
    static func parse(_ command: String, origin: String) -> Example? {
        let words = shellWords(command)
        guard let start = words.firstIndex(of: "curl") else { return nil }
        var method: String?, url: String?, body: String?
        var i = start + 1
        while i < words.count {
            let word = words[i]
            switch word {
            case "-X": method = words[safe: i + 1]; i += 1
            case "-d", "--data": body = words[safe: i + 1]; i += 1
            case "-H": i += 1
            case "-F": return nil  // uploads: multipart, checked live by the docs check
            case "#", "|", ">", ">/dev/null", "&&", ";": i = words.count
            default:
                if word.contains(":8080/") { url = word }
            }
            i += 1
        }
        guard let url, let path = url.components(separatedBy: ":8080").last, !command.contains("$") else { return nil }
        return Example(origin: origin, method: method ?? (body == nil ? "GET" : "POST"),
                       path: path.components(separatedBy: "?")[0], body: body)
    }

    /// Words of a shell line with '…' and "…" quoting (enough for the docs' curl lines).
    static func shellWords(_ line: String) -> [String] {
        var words: [String] = [], current = "", quote: Character?, inWord = false
        for character in line {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
            } else if character == " " || character == "\t" {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }

    /// The OpenAPI route template of a concrete path ("/v1/tasks/mood" → "/v1/tasks/{name}").
    static func route(of path: String, in paths: [String: Any]) -> String? {
        if paths[path] != nil { return path }
        return paths.keys.first { template in
            let a = template.split(separator: "/"), b = path.split(separator: "/")
            return a.count == b.count && zip(a, b).allSatisfy { $0 == $1 || $0.hasPrefix("{") }
        }
    }

    @Test func everyDocumentedRequestValidatesAndGetsADocumentedAnswer() async throws {
        let examples = try Self.examples()
        #expect(examples.count >= 10, "found \(examples.count) documented requests")

        // The real engine over the bundled demo model and a private copy of its tasks.
        let tasks = FileManager.default.temporaryDirectory.appendingPathComponent("album-doc-examples-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Self.root.appendingPathComponent("models/tasks"), to: tasks)
        defer { try? FileManager.default.removeItem(at: tasks) }
        let engine = try EngineLoader.load(modelDirectory: Self.root.appendingPathComponent("models/default"),
                                           tasksDirectory: tasks)
        engine.start()
        var logger = Logger(label: "doc-examples")
        logger.logLevel = .warning
        let app = buildApplication(service: engine, configuration: ServerConfiguration(port: 0), metrics: ServerMetrics(),
                                   logger: logger)
        try await app.test(.router) { client in
            let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
            let schema = JSONSchema(document: document)
            let paths = try #require(document["paths"] as? [String: Any])
            var sent = 0, validatedAnswers = 0
            for example in examples {
                let label = "\(example.origin): \(example.method) \(example.path)"
                let route = try #require(Self.route(of: example.path, in: paths), "\(label) is not in the OpenAPI document")
                let operation = try #require((paths[route] as? [String: Any])?[example.method.lowercased()] as? [String: Any],
                                             "\(label): the document has no \(example.method) for \(route)")
                var bodyBuffer: ByteBuffer?
                if let body = example.body {
                    let value = try JSONSerialization.jsonObject(with: Data(body.utf8))
                    let requestSchema = try #require(
                        ((((operation["requestBody"] as? [String: Any])?["content"] as? [String: Any])?["application/json"]
                            as? [String: Any])?["schema"] as? [String: Any]), "\(label): no JSON request schema")
                    let problems = schema.violations(value, requestSchema)
                    #expect(problems.isEmpty, "\(label): the documented body breaks the schema: \(problems)")
                    bodyBuffer = ByteBuffer(string: body)
                }
                guard example.standalone else { continue }
                sent += 1
                let response = try await client.execute(uri: example.path, method: HTTPRequest.Method(example.method)!,
                                                        headers: [.contentType: "application/json"], body: bodyBuffer)
                let status = Int(response.status.code)
                #expect((200..<300).contains(status),
                        "\(label) answered \(status): \(String(buffer: response.body).prefix(300))")
                guard response.headers[.contentType]?.hasPrefix("application/json") == true,
                      let answer = try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)),
                      let responseSchema = ((((operation["responses"] as? [String: Any])?["\(status)"] as? [String: Any])?["content"]
                        as? [String: Any])?["application/json"] as? [String: Any])?["schema"] as? [String: Any] else { continue }
                let problems = schema.violations(answer, responseSchema)
                #expect(problems.isEmpty, "\(label): the answer breaks the documented response schema: \(problems)")
                validatedAnswers += 1
            }
            #expect(sent >= 10 && validatedAnswers >= 8, "sent \(sent) documented requests, validated \(validatedAnswers) answers")
            print("documented requests: \(examples.count), sent \(sent), answers validated against their schema \(validatedAnswers)")
        }
        await engine.shutdown()
    }

    /// Every JSON example of docs/api.md (the ```json blocks, one or more values each) under the route heading it
    /// illustrates is a request or an answer of that route as the document describes them.
    @Test func everyJSONExampleOfTheAPIPageFitsItsRoute() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        let schema = JSONSchema(document: document)
        let paths = try #require(document["paths"] as? [String: Any])
        let page = try String(contentsOf: Self.root.appendingPathComponent("docs/api.md"), encoding: .utf8)
        var routes: [(method: String, path: String)] = [], inJSON = false, pending = "", checked = 0
        let routePattern = /`(GET|POST|PUT|DELETE|HEAD) (\/[^`\s]*)`/
        for (number, line) in page.components(separatedBy: "\n").enumerated() {
            if line.hasPrefix("#") { routes = line.matches(of: routePattern).map { (String($0.1), String($0.2)) } }
            if line.hasPrefix("```") {
                if inJSON && !pending.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    Issue.record("api.md:\(number + 1): a JSON block ends in text that is not JSON: \(pending)")
                }
                inJSON = line == "```json"
                pending = ""
                continue
            }
            guard inJSON else { continue }
            pending += line + "\n"
            guard let value = try? JSONSerialization.jsonObject(with: Data(pending.utf8)) else { continue }
            pending = ""
            var candidates: [[String: Any]] = [["$ref": "#/components/schemas/ErrorBody"]]
            for (method, path) in routes {
                guard let route = Self.route(of: path, in: paths),
                      let operation = (paths[route] as? [String: Any])?[method.lowercased()] as? [String: Any] else {
                    Issue.record("api.md:\(number + 1): \(method) \(path) is not in the OpenAPI document")
                    continue
                }
                if let request = ((((operation["requestBody"] as? [String: Any])?["content"] as? [String: Any])?["application/json"]
                    as? [String: Any])?["schema"] as? [String: Any]) { candidates.append(request) }
                for case let answer as [String: Any] in (operation["responses"] as? [String: Any] ?? [:]).values {
                    if let body = (((answer["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"]
                        as? [String: Any]) { candidates.append(body) }
                }
            }
            let fits = candidates.contains { schema.violations(value, $0).isEmpty }
            #expect(fits, "api.md:\(number + 1): this example fits no request or answer of \(routes): \(pending.isEmpty ? line : pending)")
            checked += 1
        }
        #expect(checked >= 10, "checked \(checked) JSON examples")
        print("docs/api.md JSON examples checked against their routes: \(checked)")
    }

    @Test func theCheckerRejectsWhatTheDocumentForbids() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        let schema = JSONSchema(document: document)
        let generate: [String: Any] = ["$ref": "#/components/schemas/GenerateRequest"]
        #expect(schema.violations(["task": "nli", "input": "x"], generate).isEmpty)
        #expect(!schema.violations(["task": "nli", "temprature": 1], generate).isEmpty, "an unknown field")
        #expect(!schema.violations(["max_new_tokens": 0], generate).isEmpty, "below the minimum")
        #expect(!schema.violations(["stream": 1], generate).isEmpty, "a number where a boolean belongs")
        let batch: [String: Any] = ["$ref": "#/components/schemas/BatchRequest"]
        #expect(schema.violations(["requests": [["type": "classify", "task": "a", "input": "x"], ["task": "b", "input": "y"]]],
                                  batch).isEmpty, "a classify item and a generate item without type")
        #expect(!schema.violations(["requests": [["type": "translate", "task": "b"]]], batch).isEmpty)
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
