// `GET /v1/tasks`, `GET|PUT|DELETE /v1/tasks/{name}`. PUT takes `multipart/form-data` (one part per file of a task
// folder or PEFT adapter folder, as `curl -F` sends them); replacing an existing name is the hot swap.
import Engine
import Hummingbird
import ServerAPI

struct TaskController {
    let service: any InferenceService
    let configuration: ServerConfiguration

    func addRoutes(to router: Router<AlbumRequestContext>) {
        router.get("/v1/tasks", use: list)
        router.get("/v1/tasks/:name", use: get)
        router.put("/v1/tasks/:name", use: put)
        router.delete("/v1/tasks/:name", use: delete)
    }

    @Sendable func list(_ request: Request, context: AlbumRequestContext) async throws -> Response {
        JSONBody.response(TaskList(tasks: await service.tasks(), albums: await service.albums()))
    }

    @Sendable func get(_ request: Request, context: AlbumRequestContext) async throws -> Response {
        let name = try context.parameters.require("name")
        context.labels.task = name
        return JSONBody.response(try await service.task(named: name))
    }

    @Sendable func put(_ request: Request, context: AlbumRequestContext) async throws -> Response {
        let name = try context.parameters.require("name")
        context.labels.task = name
        guard let contentType = request.headers[.contentType],
              let boundary = MultipartForm.boundary(fromContentType: contentType) else {
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type",
                           message: "send the task's files as multipart/form-data, e.g. curl -F task.json=@task.json -F prompt.safetensors=@prompt.safetensors")
        }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: configuration.maxUploadBytes) } catch let error as HTTPResponseError where error.status == .contentTooLarge {
            throw APIError.tooLarge("upload is larger than \(configuration.maxUploadBytes) bytes")
        } catch {
            // A malformed chunked encoding or a client gone mid-body: the client's failure, never a 500.
            throw APIError.badRequest("the upload body could not be read completely")
        }
        let files = try MultipartForm.files(in: Array(buffer.readableBytesView), boundary: boundary)
        let description = try await service.installTask(named: name, files: files)
        return JSONBody.response(description)
    }

    @Sendable func delete(_ request: Request, context: AlbumRequestContext) async throws -> Response {
        let name = try context.parameters.require("name")
        context.labels.task = name
        try await service.removeTask(named: name)
        return Response(status: .noContent)
    }
}
