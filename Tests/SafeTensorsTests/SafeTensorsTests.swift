// The safetensors reader, writer and sharded-checkpoint loader: round trips, BF16/F16 widening against the values
// torch widened (the T5 fixtures' golden.json), sharded index handling, and the exact error (case, file, reason) for
// each kind of malformed file.
import Foundation
import SafeTensors
import Testing
import TestSupport

@Suite struct SafeTensorsTests {
    @Test func writerRoundTripsWithMetadata() throws {
        let dir = try Fixtures.temporaryDirectory("album-st")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("a.safetensors")
        try SafeTensorsWriter.write([.init(name: "b", shape: [2, 3], values: [1, 2, 3, 4, 5, 6]),
                                     .init(name: "a", shape: [1], values: [-0.5])],
                                    metadata: ["format": "pt"], to: url)
        let file = try SafeTensorsFile(url: url)
        #expect(file.names == ["a", "b"])
        #expect(file.metadata == ["format": "pt"])
        #expect(try file.floats("b") == [1, 2, 3, 4, 5, 6])
        #expect(file.tensors["b"]?.shape == [2, 3])
        #expect(try file.floats("a") == [-0.5])
        #expect(throws: SafeTensorsError.missingTensor(name: "c")) { try file.floats("c") }
    }

    /// A read drops the tensor's pages from the resident set (a model load's peak is not the file plus the model);
    /// reading it again faults them back in from the file: the same values, for tensors spanning many pages and for
    /// neighbours sharing a page.
    @Test func tensorsReadAgainAfterTheirPagesAreReleased() throws {
        let dir = try Fixtures.temporaryDirectory("album-st-pages")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("big.safetensors")
        let big = (0..<300_000).map { Float($0 % 977) * 0.25 - 7 }  // ~1.2 MB: hundreds of pages
        let small = (0..<37).map { Float($0) }
        try SafeTensorsWriter.write([.init(name: "big", shape: [300, 1000], values: big),
                                     .init(name: "small", shape: [37], values: small)], to: url)
        let file = try SafeTensorsFile(url: url)
        for _ in 0..<3 {
            #expect(try file.floats("big") == big)
            #expect(try file.floats("small") == small)
        }
    }

    @Test func shardedBF16CheckpointWidensExactly() throws {
        // The BF16 fixture's shards hold the same model that hidden.safetensors was computed from; widening is
        // exact, so every value must be a float whose low 16 bits are zero.
        let checkpoint = try SafeTensorsCheckpoint(directory: Fixtures.url("t5/bf16_sharded"))
        #expect(checkpoint.files.count >= 2, "fixture must be sharded")
        #expect(checkpoint.storedDTypes == ["BF16"])
        let info = try #require(checkpoint.tensors["shared.weight"])
        var values = [Float](repeating: 0, count: info.elementCount)
        try values.withUnsafeMutableBufferPointer { (buffer) throws(SafeTensorsError) in
            try checkpoint.read("shared.weight", into: buffer.baseAddress!)
        }
        #expect(values.allSatisfy { $0.bitPattern & 0xFFFF == 0 })
        #expect(values.contains { $0 != 0 })
    }

    /// Values torch itself widened to float32 from the stored BF16/F16 tensors (make_t5_fixtures.py, golden.json
    /// "stored_values"): widening is exact, so they must be equal bit for bit.
    @Test(arguments: ["bf16_sharded", "f16_gelu", "v10_relu_tied"])
    func widenedValuesEqualTorch(variant: String) throws {
        let golden = try #require(try Fixtures.json("t5/\(variant)/golden.json") as? [String: Any])
        let stored = try #require(golden["stored_values"] as? [String: [Double]])
        let checkpoint = try SafeTensorsCheckpoint(directory: Fixtures.url("t5/\(variant)"))
        func read(_ name: String) throws -> [Float] {
            let info = try #require(checkpoint.tensors[name])
            var values = [Float](repeating: .nan, count: info.elementCount)
            try values.withUnsafeMutableBufferPointer { (buffer) throws(SafeTensorsError) in
                try checkpoint.read(name, into: buffer.baseAddress!)
            }
            return values
        }
        let norm = try read("encoder.final_layer_norm.weight")
        let row = Array(try read("shared.weight").dropFirst(5 * norm.count).prefix(norm.count))
        for (name, got) in [("encoder.final_layer_norm.weight", norm), ("shared.weight[5]", row)] {
            let expected = try #require(stored[name]).map { Float($0) }
            // Tolerance 0: widening BF16/F16 to F32 is exact.
            #expect(got == expected, "\(variant) \(name): \(firstDifference(got, expected) ?? "")")
            #expect(Set(expected).count > 1, "\(variant) \(name): a constant tensor cannot show a widening bug")
        }
        if variant == "f16_gelu" { #expect(row.allSatisfy { Float(Float16($0)) == $0 }, "every value is an f16 value") }
    }

    @Test func malformedFilesGiveClearErrors() throws {
        let dir = try Fixtures.temporaryDirectory("album-st")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("bad.safetensors")
        func write(_ header: String, dataBytes: Int) throws {
            var data = Data()
            withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
            data.append(Data(header.utf8))
            data.append(Data(count: dataBytes))
            try data.write(to: url)
        }
        try write(#"{"x": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}"#, dataBytes: 8)
        #expect(throws: SafeTensorsError.truncated(path: url.path, reason: "tensor 'x' ends at byte 16 but the data section has 8")) {
            try SafeTensorsFile(url: url)
        }
        try write(#"{"x": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}}"#, dataBytes: 8)
        #expect(throws: SafeTensorsError.unsupportedDType(path: url.path, tensor: "x", dtype: "I64")) { try SafeTensorsFile(url: url) }
        try write(#"{"x": {"dtype": "F32", "shape": [3], "data_offsets": [0, 16]}}"#, dataBytes: 16)
        #expect(throws: SafeTensorsError.badOffsets(path: url.path, tensor: "x", reason: "16 bytes for shape [3] of F32 (expected 12)")) {
            try SafeTensorsFile(url: url)
        }
        try write("not json", dataBytes: 0)
        #expect {
            try SafeTensorsFile(url: url)
        } throws: { error in
            // The JSON parser's own message follows the prefix and differs between platforms.
            guard case .malformedHeader(let path, let reason) = error as? SafeTensorsError else { return false }
            return path == url.path && reason.hasPrefix("header is not JSON")
        }
        try Data([1, 0]).write(to: url)
        #expect(throws: SafeTensorsError.truncated(path: url.path, reason: "2 bytes, shorter than the 8-byte header length")) {
            try SafeTensorsFile(url: url)
        }
    }

    @Test func shardIndexMustAgreeWithShards() throws {
        let source = Fixtures.url("t5/bf16_sharded")
        let dir = try Fixtures.temporaryDirectory("album-st")
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) where name.hasPrefix("model") {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        #expect(try SafeTensorsCheckpoint(directory: dir).tensors.count > 0)
        // Point one tensor at the wrong shard.
        let indexURL = dir.appendingPathComponent("model.safetensors.index.json")
        var index = try JSONSerialization.jsonObject(with: Data(contentsOf: indexURL)) as! [String: Any]
        var map = index["weight_map"] as! [String: String]
        let shards = Set(map.values).sorted()
        let moved = map.first { $0.value == shards[0] }!.key
        map[moved] = shards[1]
        index["weight_map"] = map
        try JSONSerialization.data(withJSONObject: index).write(to: indexURL)
        #expect(throws: SafeTensorsError.malformedIndex(
            path: indexURL.path, reason: "tensor '\(moved)' is mapped to \(shards[1]), which does not contain it")) {
            try SafeTensorsCheckpoint(directory: dir)
        }
    }
}
