// Who may call what (docs/security.md): task management (`PUT`/`DELETE /v1/tasks/…`) needs the admin token and is
// refused altogether when read-only or on a non-loopback address without one; with an API token, the inference and
// task-listing routes need it (or the admin token). `POST /v1/tasks/reload` needs the admin token too, but stays
// allowed in read-only mode: it only reads the tasks directory (a read-only volume on every replica). Health, readiness, metrics and the OpenAPI document stay open.
import HTTPTypes
import Hummingbird

struct AccessMiddleware: RouterMiddleware {
    typealias Context = AlbumRequestContext
    let configuration: ServerConfiguration

    /// What a route needs.
    enum Access: Equatable {
        case open
        case api
        case admin
        /// Admin, but read-only mode does not refuse it (it writes nothing).
        case reload
    }

    static func access(method: HTTPRequest.Method, path: String) -> Access {
        if path == "/v1/tasks/reload" && method == .post { return .reload }
        if path.hasPrefix("/v1/tasks/") && (method == .put || method == .delete) { return .admin }
        if path.hasPrefix("/v1/") { return .api }
        return .open
    }

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        let access = Self.access(method: request.method, path: request.uri.path)
        switch access {
        case .open: break
        case .api:
            if let apiToken = configuration.apiToken {
                try Self.requireBearer(request, accepting: [apiToken] + (configuration.adminToken.map { [$0] } ?? []))
            }
        case .admin, .reload:
            let refusal = access == .reload ? reloadRefusal : configuration.taskManagementRefusal
            if let refusal { throw APIError(.forbidden, code: "task_management_disabled", message: refusal) }
            if let adminToken = configuration.adminToken { try Self.requireBearer(request, accepting: [adminToken]) }
        }
        return try await next(request, context)
    }

    /// Why `POST /v1/tasks/reload` is refused: only on a non-loopback address without an admin token.
    var reloadRefusal: String? {
        guard configuration.adminToken == nil && !configuration.bindsLoopbackOnly else { return nil }
        return "reloading tasks is disabled on a non-loopback address without an admin token; set --admin-token or ALBUM_ADMIN_TOKEN"
    }

    /// Throws 401 unless the `Authorization: Bearer` token equals one of `tokens` (compared in constant time).
    static func requireBearer(_ request: Request, accepting tokens: [String]) throws {
        let presented = request.headers[.authorization].flatMap { value -> Substring? in
            let parts = value.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
            return parts[1]
        }
        var matched = false
        if let presented {
            for token in tokens where constantTimeEquals(Array(presented.utf8), Array(token.utf8)) { matched = true }
        }
        guard matched else {
            throw APIError(.unauthorized, code: "unauthorized",
                           message: presented == nil ? "this route needs 'Authorization: Bearer <token>'" : "the token is not valid for this route",
                           headers: [.wwwAuthenticate: "Bearer"])
        }
    }

    /// Equality whose time depends only on the lengths, never on where the bytes first differ.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0
    }
}
