// The OpenAPI 3.1 document served at `GET /openapi.json`. Kept by hand beside the routes; ServerTests checks
// that its paths and methods are exactly the router's and that it parses as JSON.

enum OpenAPIDocument {
    static let json = #"""
    {
      "openapi": "3.1.0",
      "info": {"title": "Album", "version": "1.0.0",
               "description": "Multi-task prompt-conditioned T5 inference. JSON bodies take only the documented fields (any other is 422 unknown_field). Every error body is {\"error\": {\"code\", \"message\", \"request_id\"}}; every response carries X-Request-ID. JSON routes need Content-Type: application/json. With an API token the /v1 routes need Authorization: Bearer; task management needs the admin token and is refused read-only or on a non-loopback address without one (docs/security.md)."},
      "paths": {
        "/v1/generate": {"post": {"summary": "Generate text for one task input (or the base model's, without task)",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/GenerateRequest"}}}},
          "responses": {"200": {"description": "Generated output; with stream: text/event-stream of token events ({\"token\": GeneratedToken}), then a done event (GenerateResponse) or an error event (ErrorBody)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/GenerateResponse"}}, "text/event-stream": {"schema": {"type": "string"}}}},
                        "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"},
                        "413": {"$ref": "#/components/responses/Error"}, "415": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"},
                        "503": {"$ref": "#/components/responses/Error"}, "504": {"$ref": "#/components/responses/Error"}}}},
        "/v1/completions": {"post": {"summary": "OpenAI-compatible completions; model names a task or the base model",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CompletionRequest"}}}},
          "responses": {"200": {"description": "The completion, or with stream: text/event-stream of data: CompletionResponse chunks ending in data: [DONE]", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CompletionResponse"}}, "text/event-stream": {"schema": {"type": "string"}}}},
                        "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"},
                        "413": {"$ref": "#/components/responses/Error"}, "415": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"},
                        "503": {"$ref": "#/components/responses/Error"}, "504": {"$ref": "#/components/responses/Error"}}}},
        "/v1/models": {"get": {"summary": "OpenAI-compatible model list: the base model, then every task",
          "responses": {"200": {"description": "Models", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ModelList"}}}}}}},
        "/v1/tokenize": {"post": {"summary": "Token ids and vocabulary entries of a text (</s> appended)",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["text"], "additionalProperties": false, "properties": {"text": {"type": "string"}}}}}},
          "responses": {"200": {"description": "Tokens", "content": {"application/json": {"schema": {"type": "object", "required": ["ids", "tokens", "count"], "properties": {
                          "ids": {"type": "array", "items": {"type": "integer"}}, "tokens": {"type": "array", "items": {"type": "string"}}, "count": {"type": "integer"}}}}}},
                        "400": {"$ref": "#/components/responses/Error"}, "415": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}},
        "/v1/detokenize": {"post": {"summary": "Text of token ids, special tokens removed",
          "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["ids"], "additionalProperties": false, "properties": {"ids": {"type": "array", "items": {"type": "integer"}}}}}}},
          "responses": {"200": {"description": "Text", "content": {"application/json": {"schema": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}}}},
                        "400": {"$ref": "#/components/responses/Error"}, "415": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}},
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
        "/healthz": {"get": {"summary": "Liveness", "responses": {"200": {"description": "Alive", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HealthStatus"}}}}}},
                     "head": {"summary": "Liveness, status only", "responses": {"200": {"description": "Alive"}}}},
        "/readyz": {"get": {"summary": "Readiness: the model is loaded and the engine serves (with any number of tasks; tasks counts them)",
          "responses": {"200": {"description": "Ready", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HealthStatus"}}}},
                        "503": {"description": "Not ready", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HealthStatus"}}}}}},
                    "head": {"summary": "Readiness, status only", "responses": {"200": {"description": "Ready"}, "503": {"description": "Not ready"}}}},
        "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "Text exposition format", "content": {"text/plain": {"schema": {"type": "string"}}}}}},
                     "head": {"summary": "Prometheus metrics, headers only", "responses": {"200": {"description": "Available"}}}},
        "/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI document", "content": {"application/json": {"schema": {"type": "object"}}}}}}}
      },
      "components": {
        "responses": {"Error": {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}},
        "schemas": {
          "TaskInputFields": {"type": "object", "additionalProperties": {"type": "string"}},
          "StopSequences": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "maxItems": 4}]},
          "GenerateRequest": {"type": "object", "additionalProperties": false, "properties": {
            "type": {"type": "string", "enum": ["generate"], "description": "Only inside /v1/batch; default generate"},
            "task": {"type": "string", "description": "Absent: the base model with no prompt"}, "input": {"type": "string"}, "fields": {"$ref": "#/components/schemas/TaskInputFields"},
            "max_new_tokens": {"type": "integer", "minimum": 1, "maximum": 256}, "num_beams": {"type": "integer", "minimum": 1, "maximum": 8},
            "temperature": {"type": "number", "minimum": 0, "maximum": 100, "description": "0: greedy"},
            "top_k": {"type": "integer", "minimum": 0}, "top_p": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            "repetition_penalty": {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
            "seed": {"type": "integer", "minimum": 0}, "stop": {"$ref": "#/components/schemas/StopSequences"},
            "logprobs": {"type": "integer", "minimum": 0, "maximum": 20}, "stream": {"type": "boolean", "description": "Not inside /v1/batch"},
            "return_attention": {"type": "boolean"}}},
          "Usage": {"type": "object", "required": ["input_tokens", "prompt_tokens", "output_tokens"], "properties": {
            "input_tokens": {"type": "integer"}, "prompt_tokens": {"type": "integer"}, "output_tokens": {"type": "integer"}}},
          "AttentionWeight": {"type": "object", "required": ["source", "weight"], "properties": {"source": {"type": "string"}, "weight": {"type": "number"}}},
          "TokenLogprob": {"type": "object", "required": ["id", "text", "logprob"], "properties": {"id": {"type": "integer"}, "text": {"type": "string"}, "logprob": {"type": "number"}}},
          "GeneratedToken": {"type": "object", "required": ["id", "text"], "properties": {"id": {"type": "integer"}, "text": {"type": "string"}, "logprob": {"type": "number"},
            "top_logprobs": {"type": "array", "items": {"$ref": "#/components/schemas/TokenLogprob"}}}},
          "GenerateResponse": {"type": "object", "required": ["task_version", "output", "ids", "finish_reason", "usage"], "properties": {
            "task": {"type": "string", "description": "Absent for the base model"}, "task_version": {"type": "string"}, "output": {"type": "string"},
            "ids": {"type": "array", "items": {"type": "integer"}}, "finish_reason": {"type": "string", "enum": ["eos", "length", "stop"]},
            "usage": {"$ref": "#/components/schemas/Usage"},
            "attention": {"type": "array", "items": {"$ref": "#/components/schemas/AttentionWeight"}},
            "tokens": {"type": "array", "items": {"$ref": "#/components/schemas/GeneratedToken"}},
            "seed": {"type": "integer", "description": "When the request sampled"}}},
          "ClassifyRequest": {"type": "object", "additionalProperties": false, "properties": {
            "type": {"type": "string", "enum": ["classify"], "description": "Required inside /v1/batch"},
            "task": {"type": "string", "description": "Absent: the base model (then candidates are required)"}, "input": {"type": "string"}, "fields": {"$ref": "#/components/schemas/TaskInputFields"},
            "candidates": {"type": "array", "items": {"type": "string"}}, "return_attention": {"type": "boolean"}}},
          "ClassifyResponse": {"type": "object", "required": ["task_version", "label", "scores"], "properties": {
            "task": {"type": "string"}, "task_version": {"type": "string"}, "label": {"type": "string"},
            "scores": {"type": "object", "additionalProperties": {"type": "number"}},
            "attention": {"type": "array", "items": {"$ref": "#/components/schemas/AttentionWeight"}}}},
          "CompletionRequest": {"type": "object", "required": ["model", "prompt"], "additionalProperties": false, "properties": {
            "model": {"type": "string"}, "prompt": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
            "max_tokens": {"type": "integer", "minimum": 1}, "temperature": {"type": "number"}, "top_p": {"type": "number"},
            "top_k": {"type": "integer"}, "repetition_penalty": {"type": "number"}, "seed": {"type": "integer", "minimum": 0},
            "n": {"type": "integer", "enum": [1]}, "stop": {"$ref": "#/components/schemas/StopSequences"}, "stream": {"type": "boolean"},
            "stream_options": {"type": "object", "additionalProperties": false, "properties": {"include_usage": {"type": "boolean"}}},
            "logprobs": {"type": "integer", "minimum": 0, "maximum": 20}}},
          "CompletionResponse": {"type": "object", "required": ["id", "object", "created", "model", "choices"], "properties": {
            "id": {"type": "string"}, "object": {"type": "string", "enum": ["text_completion"]}, "created": {"type": "integer"}, "model": {"type": "string"},
            "choices": {"type": "array", "items": {"type": "object", "required": ["index", "text", "logprobs", "finish_reason"], "properties": {
              "index": {"type": "integer"}, "text": {"type": "string"}, "finish_reason": {"type": ["string", "null"], "enum": ["stop", "length", null]},
              "logprobs": {"type": ["object", "null"], "properties": {"tokens": {"type": "array", "items": {"type": "string"}},
                "token_logprobs": {"type": "array", "items": {"type": "number"}}, "top_logprobs": {"type": "array", "items": {"type": "object", "additionalProperties": {"type": "number"}}},
                "text_offset": {"type": "array", "items": {"type": "integer"}}}}}}},
            "usage": {"type": "object", "properties": {"prompt_tokens": {"type": "integer"}, "completion_tokens": {"type": "integer"}, "total_tokens": {"type": "integer"}}}}},
          "ModelList": {"type": "object", "required": ["object", "data"], "properties": {"object": {"type": "string", "enum": ["list"]},
            "data": {"type": "array", "items": {"type": "object", "required": ["id", "object", "created", "owned_by", "root"], "properties": {
              "id": {"type": "string"}, "object": {"type": "string"}, "created": {"type": "integer"}, "owned_by": {"type": "string"},
              "root": {"type": "string"}, "parent": {"type": ["string", "null"]}}}}}},
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
          "TaskList": {"type": "object", "required": ["tasks"], "properties": {"tasks": {"type": "array", "items": {"$ref": "#/components/schemas/TaskInfo"}}}},
          "HealthStatus": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}, "model": {"type": "string"}, "tasks": {"type": "integer"}}},
          "ErrorDetail": {"type": "object", "required": ["code", "message"], "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "request_id": {"type": "string"}}},
          "ErrorBody": {"type": "object", "required": ["error"], "properties": {"error": {"$ref": "#/components/schemas/ErrorDetail"}}}
        }
      }
    }
    """#
}
