// A small deterministic IPT subspace for the fixture T5 (d = 16): n = 3 prompt rows, d_I = 4, H = 6, weights drawn
// from a seeded generator; and the files of a subspace, an IPT task and the static task holding Proj_b(z).
import Foundation
import Kernels
import SafeTensors
import TestSupport
@testable import Prompts

enum IPTFixture {
    static let (n, d, di, h) = (3, 16, 4, 6)

    static func tensor(_ shape: [Int], scale: Float, seed: UInt64) -> Tensor {
        var rng = SeededGenerator(state: seed)
        let t = Tensor(uninitialized: shape)
        for i in 0..<t.count { t.data[i] = scale * (Float.random(in: -1...1, using: &rng)) }
        return t
    }

    static func autoencoder(seed: UInt64 = 1, n: Int = n, d: Int = d) -> IPTAutoencoder {
        let flat = n * d
        return IPTAutoencoder(
            projWeight: tensor([di, flat], scale: 0.3, seed: seed), projBias: tensor([di], scale: 0.1, seed: seed + 1),
            hiddenWeight: tensor([h, di], scale: 0.6, seed: seed + 2), hiddenBias: tensor([h], scale: 0.1, seed: seed + 3),
            outWeight: tensor([flat, h], scale: 0.5, seed: seed + 4), outBias: tensor([flat], scale: 0.1, seed: seed + 5),
            promptLength: n, dModel: d)
    }

    static let z = tensor([di], scale: 0.8, seed: 99)

    static func baseManifest(_ name: String) -> TaskManifest {
        var manifest = TaskManifest(kind: .staticPrompt)
        manifest.name = name
        manifest.template = "premise: {premise} hypothesis: {hypothesis}"
        manifest.labels = ["entailment", "not_entailment"]
        manifest.decoding = DecodingDefaults(mode: .rank, maxNewTokens: 4)
        manifest.baseModel = BaseModelRef(fingerprint: PromptFixtures.golden.fingerprint, dModel: d)
        return manifest
    }

    /// Files of subspace "sub-a", IPT task "ipt-a" (z in it) and static task "ipt-static" holding Proj_b(z).
    static func files(autoencoder ae: IPTAutoencoder = autoencoder()) throws -> (subspace: [String: Data], ipt: [String: Data], staticTask: [String: Data]) {
        var subManifest = TaskManifest(kind: .iptSubspace)
        subManifest.name = "sub-a"
        subManifest.baseModel = BaseModelRef(fingerprint: PromptFixtures.golden.fingerprint, dModel: d)
        let subspace = try IPTArtifactFiles.subspace(ae, manifest: subManifest, sources: ["nli", "topic"], alpha: 200)
        let ipt = try IPTArtifactFiles.task(z: z, subspace: "sub-a", hash: ae.contentHash, manifest: baseManifest("ipt-a"))
        var staticManifest = baseManifest("ipt-static")
        staticManifest.promptLength = n
        let prompt = ae.prompt(for: z)
        var encoder = SafeTensorsEncoder()
        encoder.add(name: "prompt", shape: prompt.shape, values: UnsafeBufferPointer(prompt.buffer))
        let staticTask = [TaskManifest.fileName: staticManifest.encoded(), ArtifactLoader.staticPromptFile: try encoder.encoded()]
        return (subspace, ipt, staticTask)
    }

    /// A scratch tasks directory holding the fixture tasks plus sub-a, ipt-a and ipt-static.
    static func tasksDirectory() throws -> URL {
        let root = try PromptFixtures.scratchTasks()
        let (subspace, ipt, staticTask) = try files()
        try IPTArtifactFiles.write(subspace, to: root.appendingPathComponent("sub-a"))
        try IPTArtifactFiles.write(ipt, to: root.appendingPathComponent("ipt-a"))
        try IPTArtifactFiles.write(staticTask, to: root.appendingPathComponent("ipt-static"))
        return root
    }
}

