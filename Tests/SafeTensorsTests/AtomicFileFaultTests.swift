// AtomicFile under injected failures: each step of a replacement (create the temporary file, write, fsync, close,
// rename, directory fsync) fails in turn, once or as a crash; the failure is reported, and reading the file afresh
// gives exactly the old content for every step up to the rename.
import Foundation
import SafeTensors
import Testing
import TestSupport

@Suite struct AtomicFileFaultTests {
    let old = Data("old version: 0123456789".utf8)
    let new = Data("new version, longer than the old one: abcdefghijklmnopqrstuvwxyz".utf8)

    @Test func aReplacementTakesTheDocumentedSteps() throws {
        let dir = try Fixtures.temporaryDirectory("album-atomic")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("file.bin")
        let recorder = FaultyFileOperations()
        recorder.arm(failAt: nil, mode: .failOnce)
        try AtomicFile.write(new, to: url, using: recorder)
        #expect(try Data(contentsOf: url) == new)
        #expect(recorder.log.map(\.kind) == ["open", "write", "fsync", "close", "rename", "open", "fsync", "close"])
        let temporary = try #require(recorder.log.first?.path)
        #expect(recorder.log[4].path == "\(temporary) -> \(url.path)", "the temporary file is renamed over the target")
        #expect(recorder.log[5].path == dir.path, "then the directory is synced")
    }

    @Test(arguments: FaultyFileOperations.Mode.allCases)
    func aFailedStepLeavesTheOldFile(mode: FaultyFileOperations.Mode) throws {
        let dir = try Fixtures.temporaryDirectory("album-atomic")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("file.bin")
        let recorder = FaultyFileOperations()
        recorder.arm(failAt: nil, mode: mode)
        try AtomicFile.write(new, to: url, using: recorder)
        let steps = recorder.log
        let commit = try #require(steps.firstIndex { $0.kind == "rename" })
        for index in steps.indices {
            try AtomicFile.write(old, to: url)
            let files = FaultyFileOperations()
            files.arm(failAt: index, mode: mode)
            #expect(throws: SafeTensorsError.self, "step \(index) (\(steps[index])) must report its failure") {
                try AtomicFile.write(new, to: url, using: files)
            }
            #expect(files.log.count > index && files.log[index].kind == steps[index].kind, "step \(index) is \(steps[index])")
            let content = try Data(contentsOf: url)
            if index <= commit {
                #expect(content == old, "a failure at step \(index) (\(steps[index])) must leave the old file")
            } else {
                #expect(content == new, "after the rename (step \(index), \(steps[index])) the new file is in place")
            }
            if mode == .failOnce && index <= commit {
                let left = try FileManager.default.contentsOfDirectory(atPath: dir.path)
                #expect(left == ["file.bin"], "the temporary file is removed after a failed step \(index): \(left)")
            }
        }
    }
}
