// `POST /v1/tokenize` and `POST /v1/detokenize`: the model's tokenizer on its own (count tokens before sending a
// request, read the ids a response returns).
import Engine
import Hummingbird
import ServerAPI

struct TokenizerController {
    let service: any InferenceService
    let configuration: ServerConfiguration

    func addRoutes(to router: Router<AlbumRequestContext>) {
        router.post("/v1/tokenize", use: tokenize)
        router.post("/v1/detokenize", use: detokenize)
    }

    @Sendable func tokenize(_ request: Request, context: AlbumRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(TokenizeRequest.self, from: request, limit: configuration.maxBodyBytes)
        let pieces = try await service.tokenize(body.text)
        return JSONBody.response(TokenizeResponse(ids: pieces.map(\.id), tokens: pieces.map(\.piece)))
    }

    @Sendable func detokenize(_ request: Request, context: AlbumRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(DetokenizeRequest.self, from: request, limit: configuration.maxBodyBytes)
        return JSONBody.response(DetokenizeResponse(text: try await service.detokenize(body.ids)))
    }
}
