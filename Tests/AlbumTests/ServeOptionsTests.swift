// Precedence of `album serve` settings, parsed as the command parses them: a flag wins over its ALBUM_* environment
// variable, which wins over the default; an unparsable environment value is an error that names the variable.
import ArgumentParser
import Kernels
import Testing
@testable import album

@Suite struct ServeOptionsTests {
    static let environment = [
        "ALBUM_MODEL": "/env/model", "ALBUM_TASKS": "/env/tasks", "ALBUM_HOST": "0.0.0.0", "ALBUM_PORT": "9001",
        "ALBUM_THREADS": "3", "ALBUM_MAX_BATCH_ROWS": "5", "ALBUM_MAX_BATCH_TOKENS": "777", "ALBUM_MAX_WAIT_MS": "12",
        "ALBUM_QUEUE_SIZE": "9", "ALBUM_TIMEOUT_MS": "1500", "ALBUM_MAX_BODY_BYTES": "2048", "ALBUM_MAX_BATCH_ITEMS": "4",
        "ALBUM_MAX_INPUT_TOKENS": "99", "ALBUM_OVERFLOW": "truncate", "ALBUM_LOG_LEVEL": "debug",
    ]

    static let flags = [
        "--model", "/flag/model", "--tasks", "/flag/tasks", "--host", "10.0.0.1", "--port", "7000", "--threads", "1",
        "--max-batch-rows", "2", "--max-batch-tokens", "300", "--max-wait-ms", "4", "--queue-size", "8",
        "--timeout-ms", "250", "--max-body-bytes", "512", "--max-batch-items", "6", "--max-input-tokens", "40",
        "--overflow", "reject", "--log-level", "error",
    ]

    @Test func defaultsApplyWithoutFlagsOrEnvironment() async throws {
        let settings = try ServeOptions.parse([]).resolved(environment: [:], cores: 8)
        #expect(settings == ServeOptions.Settings(
            model: "models/default", tasks: "models/tasks", host: "127.0.0.1", port: 8080, threads: 2,
            maxBatchRows: 16, maxBatchTokens: 4096, maxWaitMs: 0, queueSize: 256, timeoutMs: 30_000,
            maxBodyBytes: 1_048_576, maxBatchItems: 64, maxInputTokens: 512, overflow: "reject", logLevel: "info"))
        #expect(try ServeOptions.parse([]).resolved(environment: [:], cores: 1).threads == 1, "min(2, cores)")
    }

    /// The artifact and upload limits: defaults, environment, flag over environment.
    @Test func artifactLimitsResolveLikeTheOtherSettings() async throws {
        let defaults = try ServeOptions.parse([]).resolved(environment: [:], cores: 2)
        #expect(defaults.maxPromptLength == 1024 && defaults.maxUploadBytes == 64 << 20)
        let environment = ["ALBUM_MAX_PROMPT_LENGTH": "200", "ALBUM_MAX_UPLOAD_BYTES": "4096"]
        let fromEnvironment = try ServeOptions.parse([]).resolved(environment: environment, cores: 2)
        #expect(fromEnvironment.maxPromptLength == 200 && fromEnvironment.maxUploadBytes == 4096)
        let fromFlags = try ServeOptions.parse(["--max-prompt-length", "50", "--max-upload-bytes", "1000"])
            .resolved(environment: environment, cores: 2)
        #expect(fromFlags.maxPromptLength == 50 && fromFlags.maxUploadBytes == 1000)
    }

    @Test func environmentWinsOverDefaults() async throws {
        let settings = try ServeOptions.parse([]).resolved(environment: Self.environment, cores: 8)
        #expect(settings == ServeOptions.Settings(
            model: "/env/model", tasks: "/env/tasks", host: "0.0.0.0", port: 9001, threads: 3, maxBatchRows: 5,
            maxBatchTokens: 777, maxWaitMs: 12, queueSize: 9, timeoutMs: 1500, maxBodyBytes: 2048, maxBatchItems: 4,
            maxInputTokens: 99, overflow: "truncate", logLevel: "debug"))
    }

    @Test func flagsWinOverEnvironment() async throws {
        let settings = try ServeOptions.parse(Self.flags).resolved(environment: Self.environment, cores: 8)
        #expect(settings == ServeOptions.Settings(
            model: "/flag/model", tasks: "/flag/tasks", host: "10.0.0.1", port: 7000, threads: 1, maxBatchRows: 2,
            maxBatchTokens: 300, maxWaitMs: 4, queueSize: 8, timeoutMs: 250, maxBodyBytes: 512, maxBatchItems: 6,
            maxInputTokens: 40, overflow: "reject", logLevel: "error"))
        // One flag overrides only its own variable.
        let mixed = try ServeOptions.parse(["--port", "7000"]).resolved(environment: Self.environment, cores: 8)
        #expect(mixed.port == 7000 && mixed.host == "0.0.0.0" && mixed.queueSize == 9)
    }

    @Test func unparsableEnvironmentValueNamesTheVariable() async throws {
        #expect(throws: ValidationError.self) {
            try ServeOptions.parse([]).resolved(environment: ["ALBUM_QUEUE_SIZE": "many"], cores: 8)
        }
        do {
            _ = try ServeOptions.parse([]).resolved(environment: ["ALBUM_QUEUE_SIZE": "many"], cores: 8)
        } catch let error as ValidationError {
            #expect(error.message == "ALBUM_QUEUE_SIZE=many is not a valid value")
        }
        // A flag makes the broken variable irrelevant.
        #expect(try ServeOptions.parse(["--queue-size", "3"]).resolved(environment: ["ALBUM_QUEUE_SIZE": "many"], cores: 8)
            .queueSize == 3)
    }
}

@Suite struct LogFormatAndVersionTests {
    @Test func logFormatComesFromFlagThenEnvironmentThenDefault() async throws {
        #expect(try ServeOptions.parse([]).resolved(environment: [:], cores: 2).logFormat == "text")
        #expect(try ServeOptions.parse([]).resolved(environment: ["ALBUM_LOG_FORMAT": "json"], cores: 2).logFormat == "json")
        #expect(try ServeOptions.parse(["--log-format", "text"]).resolved(environment: ["ALBUM_LOG_FORMAT": "json"], cores: 2)
            .logFormat == "text")
    }

    @Test func precisionComesFromFlagThenEnvironmentThenDefault() async throws {
        #expect(try ServeOptions.parse([]).resolved(environment: [:], cores: 2).precision == .fp32)
        #expect(try ServeOptions.parse([]).resolved(environment: ["ALBUM_PRECISION": "int8"], cores: 2).precision == .int8)
        #expect(try ServeOptions.parse(["--precision", "bf16"]).resolved(environment: ["ALBUM_PRECISION": "int8"], cores: 2)
            .precision == .bf16)
        do {
            _ = try ServeOptions.parse([]).resolved(environment: ["ALBUM_PRECISION": "fp16"], cores: 2)
            Issue.record("ALBUM_PRECISION=fp16 was accepted")
        } catch let error as ValidationError {
            #expect(error.message == "ALBUM_PRECISION=fp16 is not a valid value")
        }
        #expect(throws: (any Error).self) { try ServeOptions.parse(["--precision", "int4"]) }
    }

    @Test func versionIsTheOneConstant() async throws {
        let result = try await CLIRunner.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == AlbumVersion.string)
        let bad = try await CLIRunner.run(["serve", "--log-format", "xml", "--port", "0"])
        #expect(bad.status != 0 && bad.stderr.contains("log format must be text or json"))
    }
}
