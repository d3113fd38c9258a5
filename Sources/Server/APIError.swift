// An error that has already been mapped to HTTP: status, stable code, message and extra headers.
// Handlers throw it; `APIMiddleware` turns it (and anything else thrown) into the one JSON error shape.
import HTTPTypes
import ServerAPI

/// An HTTP-mapped error.
public struct APIError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    /// E.g. `Retry-After` for 503.
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, code: "invalid_request", message: message) }
    static func malformedJSON(_ message: String) -> APIError { APIError(.badRequest, code: "malformed_json", message: message) }
    static func unprocessable(_ message: String) -> APIError {
        APIError(.unprocessableContent, code: "unsupported_value", message: message)
    }
    static func unknownField(_ error: UnknownFieldError) -> APIError {
        APIError(.unprocessableContent, code: "unknown_field", message: "\(error.description): the API does not take it")
    }
    static func tooLarge(_ message: String) -> APIError { APIError(.contentTooLarge, code: "payload_too_large", message: message) }
}
