// The OpenAPI 3.1 document served at `GET /openapi.json`. Kept by hand beside the routes; ServerTests checks
// that its paths and methods are exactly the router's and that it parses as JSON.

enum OpenAPIDocument {
    static let json = #"""
    {
      "openapi": "3.1.0",
      "info": {"title": "Album", "version": "1.0.0",
               "description": "Multi-task prompt-conditioned T5 inference. Every error body is {\"error\": {\"code\", \"message\", \"request_id\"}}; every response carries X-Request-ID. JSON routes need Content-Type: application/json. With an API token the /v1 routes need Authorization: Bearer; task management needs the admin token and is refused read-only or on a non-loopback address without one (docs/security.md)."},
      "paths": {
        "/v1/generate": {"post": {"summary": "Generate text for one task input",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/GenerateRequest"}}}},
          "responses": {"200": {"description": "Generated output", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/GenerateResponse"}}}},
                        "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"},
                        "413": {"$ref": "#/components/responses/Error"}, "415": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"},
                        "503": {"$ref": "#/components/responses/Error"}, "504": {"$ref": "#/components/responses/Error"}}}},
        "/v1/classify": {"post": {"summary": "Rank-classify one input among candidate labels",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ClassifyRequest"}}}},
          "responses": {"200": {"description": "Best label and per-label log-probabilities", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ClassifyResponse"}}}},
                        "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"},
                        "413": {"$ref": "#/components/responses/Error"}, "415": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"},
                        "503": {"$ref": "#/components/responses/Error"}, "504": {"$ref": "#/components/responses/Error"}}}},
        "/v1/batch": {"post": {"summary": "Run independent generate/classify items; results in request order",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BatchRequest"}}}},
          "responses": {"200": {"description": "One result per item", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BatchResponse"}}}},
                        "400": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"},
                        "415": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}},
        "/v1/tasks": {"get": {"summary": "List served tasks",
          "responses": {"200": {"description": "Tasks", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TaskList"}}}}}}},
        "/v1/tasks/reload": {"post": {"summary": "Rescan the tasks directory and serve what changed (admin token)",
          "responses": {"200": {"description": "What changed", "content": {"application/json": {"schema": {"type": "object",
            "required": ["added", "replaced", "removed", "skipped", "generation"], "properties": {
              "added": {"type": "array", "items": {"type": "string"}}, "replaced": {"type": "array", "items": {"type": "string"}},
              "removed": {"type": "array", "items": {"type": "string"}}, "generation": {"type": "integer"},
              "skipped": {"type": "array", "items": {"type": "object", "properties": {"entry": {"type": "string"}, "error": {"type": "string"}}}}}}}}},
                        "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}},
        "/v1/tasks/{name}": {
          "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
          "get": {"summary": "Describe one task",
            "responses": {"200": {"description": "Task", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TaskInfo"}}}},
                          "404": {"$ref": "#/components/responses/Error"}}},
          "put": {"summary": "Install or replace (hot swap) a task from an Album task folder or a PEFT adapter folder",
            "requestBody": {"required": true, "content": {"multipart/form-data": {"schema": {"type": "object",
              "description": "One part per file of the folder; each part is stored under its filename (or its field name when it has none): task.json + prompt.safetensors, or adapter_config.json + adapter_model.safetensors.",
              "additionalProperties": {"type": "string", "format": "binary"}}}}},
            "responses": {"200": {"description": "The installed task", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TaskInfo"}}}},
                          "400": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"},
                          "415": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}},
          "delete": {"summary": "Remove a task",
            "responses": {"204": {"description": "Removed"}, "404": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}},
        "/healthz": {"get": {"summary": "Liveness", "responses": {"200": {"description": "Alive", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HealthStatus"}}}}}}},
        "/readyz": {"get": {"summary": "Readiness (model and tasks loaded)",
          "responses": {"200": {"description": "Ready", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HealthStatus"}}}},
                        "503": {"description": "Not ready", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HealthStatus"}}}}}}},
        "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "Text exposition format", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
        "/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI document", "content": {"application/json": {"schema": {"type": "object"}}}}}}}
      },
      "components": {
        "responses": {"Error": {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}},
        "schemas": {
          "TaskInputFields": {"type": "object", "additionalProperties": {"type": "string"}},
          "GenerateRequest": {"type": "object", "required": ["task"], "properties": {
            "type": {"type": "string", "enum": ["generate"], "description": "Only inside /v1/batch; default generate"},
            "task": {"type": "string"}, "input": {"type": "string"}, "fields": {"$ref": "#/components/schemas/TaskInputFields"},
            "max_new_tokens": {"type": "integer", "minimum": 1}, "num_beams": {"type": "integer", "minimum": 1},
            "return_attention": {"type": "boolean"}}},
          "Usage": {"type": "object", "required": ["input_tokens", "prompt_tokens", "output_tokens"], "properties": {
            "input_tokens": {"type": "integer"}, "prompt_tokens": {"type": "integer"}, "output_tokens": {"type": "integer"}}},
          "AttentionWeight": {"type": "object", "required": ["source", "weight"], "properties": {"source": {"type": "string"}, "weight": {"type": "number"}}},
          "GenerateResponse": {"type": "object", "required": ["task", "task_version", "output", "ids", "finish_reason", "usage"], "properties": {
            "task": {"type": "string"}, "task_version": {"type": "string"}, "output": {"type": "string"},
            "ids": {"type": "array", "items": {"type": "integer"}}, "finish_reason": {"type": "string", "enum": ["eos", "length"]},
            "usage": {"$ref": "#/components/schemas/Usage"},
            "attention": {"type": "array", "items": {"$ref": "#/components/schemas/AttentionWeight"}}}},
          "ClassifyRequest": {"type": "object", "required": ["task"], "properties": {
            "type": {"type": "string", "enum": ["classify"], "description": "Required inside /v1/batch"},
            "task": {"type": "string"}, "input": {"type": "string"}, "fields": {"$ref": "#/components/schemas/TaskInputFields"},
            "candidates": {"type": "array", "items": {"type": "string"}}}},
          "ClassifyResponse": {"type": "object", "required": ["task", "task_version", "label", "scores"], "properties": {
            "task": {"type": "string"}, "task_version": {"type": "string"}, "label": {"type": "string"},
            "scores": {"type": "object", "additionalProperties": {"type": "number"}}}},
          "BatchRequest": {"type": "object", "required": ["requests"], "properties": {"requests": {"type": "array",
            "items": {"oneOf": [{"$ref": "#/components/schemas/GenerateRequest"}, {"$ref": "#/components/schemas/ClassifyRequest"}]}}}},
          "BatchResult": {"type": "object", "required": ["status"], "properties": {"status": {"type": "integer"},
            "generate": {"$ref": "#/components/schemas/GenerateResponse"}, "classify": {"$ref": "#/components/schemas/ClassifyResponse"},
            "error": {"$ref": "#/components/schemas/ErrorDetail"}}},
          "BatchResponse": {"type": "object", "required": ["results"], "properties": {"results": {"type": "array", "items": {"$ref": "#/components/schemas/BatchResult"}}}},
          "TaskInfo": {"type": "object", "required": ["name", "version", "method", "prompt_tokens", "fields", "max_input_tokens", "max_new_tokens"], "properties": {
            "name": {"type": "string"}, "version": {"type": "string"}, "method": {"type": "string"}, "prompt_tokens": {"type": "integer"},
            "fields": {"type": "array", "items": {"type": "string"}}, "labels": {"type": "array", "items": {"type": "string"}},
            "max_input_tokens": {"type": "integer"}, "max_new_tokens": {"type": "integer"}}},
          "TaskList": {"type": "object", "required": ["tasks", "albums"], "properties": {"tasks": {"type": "array", "items": {"$ref": "#/components/schemas/TaskInfo"}},
            "albums": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}, "kind": {"type": "string", "enum": ["album"]},
              "version": {"type": "string"}, "hash": {"type": "string"}, "prompt_tokens": {"type": "integer"}, "used_by": {"type": "array", "items": {"type": "string"}},
              "entries": {"type": "array", "items": {"type": "object", "properties": {"source_task": {"type": "string"}, "fraction": {"type": "number"}, "step": {"type": "integer"}}}}}}}}},
          "HealthStatus": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}, "model": {"type": "string"}, "tasks": {"type": "integer"}}},
          "ErrorDetail": {"type": "object", "required": ["code", "message"], "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "request_id": {"type": "string"}}},
          "ErrorBody": {"type": "object", "required": ["error"], "properties": {"error": {"$ref": "#/components/schemas/ErrorDetail"}}}
        }
      }
    }
    """#
}
