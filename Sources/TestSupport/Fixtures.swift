// Locating committed test fixtures relative to the calling test file (never absolute paths), plus a scratch
// directory helper for tests that write files (corrupt-checkpoint cases).
import Foundation

public enum Fixtures {
    /// `Tests/Fixtures` of this repository, found from a test file's `#filePath` (repo root = three levels up:
    /// Tests/<Target>/<File>.swift).
    public static func directory(_ filePath: String = #filePath) -> URL {
        URL(fileURLWithPath: filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tests/Fixtures")
    }

    /// A fixture file or folder, e.g. `Fixtures.url("t5/v10_relu_tied")`.
    public static func url(_ relative: String, filePath: String = #filePath) -> URL {
        directory(filePath).appendingPathComponent(relative)
    }

    /// Parses a JSON fixture into Foundation objects.
    public static func json(_ relative: String, filePath: String = #filePath) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url(relative, filePath: filePath)))
    }

    /// A fresh empty temporary directory (removed by the caller with `FileManager.removeItem` when done).
    public static func temporaryDirectory(_ label: String = "album-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
