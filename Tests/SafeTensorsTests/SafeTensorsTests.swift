// The safetensors reader, writer and sharded-checkpoint loader: round trips, BF16/F16 widening against values
// torch wrote (the T5 fixtures), sharded index handling, and clear errors for malformed files.
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

    @Test func f16ValuesWidenToNearbyFloats() throws {
        let file = try SafeTensorsFile(url: Fixtures.url("t5/f16_gelu/model.safetensors"))
        let values = try file.floats("encoder.final_layer_norm.weight")
        // Layer-norm weights are initialised to 1 in HF.
        #expect(values.allSatisfy { $0 == 1 })
        let table = try file.floats("shared.weight")
        #expect(table.allSatisfy { Float(Float16($0)) == $0 }, "every widened value is exactly an f16 value")
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
        #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(url: url) }
        try write(#"{"x": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}}"#, dataBytes: 8)
        #expect(throws: SafeTensorsError.unsupportedDType(path: url.path, tensor: "x", dtype: "I64")) { try SafeTensorsFile(url: url) }
        try write(#"{"x": {"dtype": "F32", "shape": [3], "data_offsets": [0, 16]}}"#, dataBytes: 16)
        #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(url: url) }
        try write("not json", dataBytes: 0)
        #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(url: url) }
        try Data([1, 0]).write(to: url)
        #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(url: url) }
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
        #expect(throws: SafeTensorsError.self) { try SafeTensorsCheckpoint(directory: dir) }
    }
}
