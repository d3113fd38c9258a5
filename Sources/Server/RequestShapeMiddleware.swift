// Checks a request's declared shape before its body is read: a `Content-Length` over the route's limit is 413 at
// once (the body is never read; the connection closes), and the JSON routes take `Content-Type: application/json`
// only (415), so a web page cannot send them a "simple" cross-origin request (text/plain, form data).
import Foundation
import HTTPTypes
import Hummingbird

struct RequestShapeMiddleware: RouterMiddleware {
    typealias Context = AlbumRequestContext
    let configuration: ServerConfiguration

    static let jsonRoutes: Set<String> = [
        "/v1/generate", "/v1/classify", "/v1/batch", "/v1/completions", "/v1/tokenize", "/v1/detokenize",
    ]

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let isJSON = request.method == .post && Self.jsonRoutes.contains(path)
        let isUpload = request.method == .put && path.hasPrefix("/v1/tasks/")
        if isJSON || isUpload, let declared = request.headers[.contentLength] {
            let limit = isJSON ? configuration.maxBodyBytes : configuration.maxUploadBytes
            // A value that does not parse or overflows Int is over any limit.
            if Int(declared).map({ $0 > limit }) ?? true {
                // The same messages as when the body is read past the limit (JSONBody.decode, TaskController).
                var error = APIError.tooLarge(isJSON ? "request body is larger than \(limit) bytes" : "upload is larger than \(limit) bytes")
                error.headers[.connection] = "close"
                throw error
            }
        }
        if isJSON && !Self.isJSON(request.headers[.contentType]) {
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type",
                           message: "send the body as JSON with 'Content-Type: application/json'")
        }
        return try await next(request, context)
    }

    /// `application/json`, any case, with or without parameters such as `charset`.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let media = contentType.split(separator: ";", maxSplits: 1).first ?? ""
        return media.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }
}
