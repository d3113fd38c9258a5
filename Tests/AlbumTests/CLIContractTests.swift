// The `album` command-line contract that scripts rely on: generate/score/tokenize/inspect/tasks output shapes and
// values (against the committed HF goldens), and clear errors with a non-zero status for bad input.
import Foundation
import Testing

@Suite struct CLIContractTests {
    let model = CLIRunner.fixture("t5/v11_gated_untied")

    @Test func generateMatchesHFGreedyIDs() async throws {
        let golden = try CLIRunner.loadJSON("t5/v11_gated_untied/golden.json")
        let inputs = try #require(golden["inputs"] as? [Any])
        let greedy = try #require(golden["greedy"] as? [[String: Any]])
        for (index, expectation) in greedy.prefix(3).enumerated() {
            let input = CLIRunner.ints(inputs[index])
            let expected = CLIRunner.ints(expectation["ids"])
            let result = try await CLIRunner.run(["generate", "--model", model, "--input-ids",
                                            input.map(String.init).joined(separator: ","),
                                            "--max-new-tokens", "\(expected.count)", "--json"])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            #expect(CLIRunner.ints(try result.json()["ids"]) == expected, "input \(index)")
        }
    }

    @Test func beamSearchMatchesHFGenerate() async throws {
        let golden = try CLIRunner.loadJSON("t5/v11_gated_untied/golden.json")
        let inputs = try #require(golden["inputs"] as? [Any])
        let beam = try #require((golden["beam"] as? [[String: Any]])?.first {
            ($0["length_penalty"] as? Double) == 1.0 && ($0["early_stopping"] as? Bool) == false
        })
        let input = CLIRunner.ints(inputs[(beam["input"] as! NSNumber).intValue])
        let result = try await CLIRunner.run(["generate", "--model", model, "--input-ids",
                                        input.map(String.init).joined(separator: ","),
                                        "--num-beams", "\(beam["num_beams"]!)", "--max-new-tokens", "\(beam["max_new_tokens"]!)",
                                        "--json"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(CLIRunner.ints(try result.json()["ids"]) == CLIRunner.ints(beam["ids"]))
    }

    @Test func scoreMatchesHFLogLikelihood() async throws {
        let golden = try CLIRunner.loadJSON("t5/v11_gated_untied/golden.json")
        let inputs = try #require(golden["inputs"] as? [Any])
        let targets = try #require(golden["targets"] as? [Any])
        let scores = try #require(golden["scores"] as? [[String: Any]])
        for score in scores.prefix(3) {
            let input = CLIRunner.ints(inputs[(score["input"] as! NSNumber).intValue])
            let target = CLIRunner.ints(targets[(score["target"] as! NSNumber).intValue])
            let expected = try #require(score["logprob"] as? Double)
            let result = try await CLIRunner.run(["score", "--model", model,
                                            "--input-ids", input.map(String.init).joined(separator: ","),
                                            "--target-ids", target.map(String.init).joined(separator: ","), "--json"])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let json = try result.json()
            let logprob = try #require((json["logprob"] as? NSNumber)?.doubleValue)
            #expect(abs(logprob - expected) <= 1e-4 * abs(expected), "logprob \(logprob) vs HF \(expected)")
            #expect(CLIRunner.ints(json["target_ids"]) == target)
        }
    }

    @Test func tokenizeMatchesHFIDsAndDecodes() async throws {
        let cases = try CLIRunner.loadJSON("tokenizer/cases.json")
        let texts = try #require(cases["cases"] as? [[String: Any]])
        let unigram = try #require((cases["variants"] as? [String: Any])?["unigram"] as? [String: Any])
        let expected = try #require(unigram["cases"] as? [[String: Any]])
        let directory = CLIRunner.fixture("tokenizer/unigram")
        for index in [1, 2, 3] {
            let text = try #require(texts[index]["text"] as? String)
            let result = try await CLIRunner.run(["tokenize", "--model", directory, "--text", text, "--json"])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let ids = CLIRunner.ints(try result.json()["ids"])
            #expect(ids == CLIRunner.ints(expected[index]["ids"]), "case \(texts[index]["name"]!)")
            let decoded = try await CLIRunner.run(["tokenize", "--model", directory, "--decode",
                                             ids.map(String.init).joined(separator: ",")])
            #expect(decoded.stdout.trimmingCharacters(in: .newlines) == expected[index]["decoded"] as? String)
        }
    }

    @Test func inspectReportsShapeAndAutomaticBLASCoreType() async throws {
        let result = try await CLIRunner.run(["inspect", "--model", CLIRunner.fixture("t5/bf16_sharded"), "--json"],
                                       environment: ["OPENBLAS_CORETYPE": nil, "ALBUM_BLAS_CORETYPE_SOURCE": nil])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let json = try result.json()
        #expect(json["stored_dtypes"] as? [String] == ["BF16"])
        #expect((json["parameters"] as? NSNumber)?.intValue ?? 0 > 0)
        let source = try #require(json["blas_core_source"] as? String)
        #expect(source == "auto" || source.hasPrefix("openblas"), "source \(source)")
        // On any AVX2 or AVX-512 CPU Album must never leave OpenBLAS on its SSE3 fallback (unless the environment
        // caps the kernels at portable C, as a run emulating a CPU without AVX does).
        let features = json["cpu_features"] as? String ?? ""
        if features.contains("avx2") && json["kernel_isa_cap"] as? String != "portable" {
            #expect(json["blas_core"] as? String != "Prescott")
        }
        // bf16 computes in bf16 exactly where the CPU has AVX-512 BF16 and ALBUM_CPU_ISA does not cap the kernels below it.
        let bf16 = try #require(json["bf16_kernel"] as? String), cap = try #require(json["kernel_isa_cap"] as? String)
        #expect(["avx512", "avx2", "portable"].contains(cap))
        #expect(bf16.hasPrefix("computed in bf16") == (features.split(separator: " ").contains("avx512bf16") && cap == "avx512"),
                "\(bf16) on \(features), kernels up to \(cap)")
    }

    /// `ALBUM_CPU_ISA` caps Album's kernels (and OpenBLAS's core type and oneDNN) as on a CPU without AVX-512: the
    /// fp32 numbers still match HF's, and a value Album does not know is refused.
    @Test func kernelCapRunsTheAVX2PathsAndStillMatchesHF() async throws {
        let cleanBLAS: [String: String?] = ["OPENBLAS_CORETYPE": nil, "ALBUM_BLAS_CORETYPE_SOURCE": nil, "DNNL_MAX_CPU_ISA": nil]
        let capped = cleanBLAS.merging(["ALBUM_CPU_ISA": "avx2"]) { $1 }
        let inspect = try await CLIRunner.run(["inspect", "--model", model, "--json"], environment: capped)
        #expect(inspect.status == 0, "stderr: \(inspect.stderr)")
        let json = try inspect.json()
        #expect(json["kernel_isa_cap"] as? String == "avx2")
        #expect((json["bf16_kernel"] as? String)?.hasPrefix("weights widened") == true)
        #expect((json["int8_kernel"] as? String)?.contains("no VNNI") == true)
        if (json["cpu_features"] as? String ?? "").contains("avx2") { #expect(json["blas_core"] as? String == "Haswell") }

        let golden = try CLIRunner.loadJSON("t5/v11_gated_untied/golden.json")
        let inputs = try #require(golden["inputs"] as? [Any]), targets = try #require(golden["targets"] as? [Any])
        let score = try #require((golden["scores"] as? [[String: Any]])?.first)
        let input = CLIRunner.ints(inputs[(score["input"] as! NSNumber).intValue])
        let target = CLIRunner.ints(targets[(score["target"] as! NSNumber).intValue])
        let expected = try #require(score["logprob"] as? Double)
        for cap in ["avx2", "portable"] {
            let result = try await CLIRunner.run(["score", "--model", model,
                                                  "--input-ids", input.map(String.init).joined(separator: ","),
                                                  "--target-ids", target.map(String.init).joined(separator: ","), "--json"],
                                                 environment: cleanBLAS.merging(["ALBUM_CPU_ISA": cap]) { $1 })
            #expect(result.status == 0, "\(cap) stderr: \(result.stderr)")
            let logprob = try #require((try result.json()["logprob"] as? NSNumber)?.doubleValue)
            #expect(abs(logprob - expected) <= 1e-4 * abs(expected), "\(cap): logprob \(logprob) vs HF \(expected)")
        }

        let refused = try await CLIRunner.run(["inspect", "--model", model], environment: ["ALBUM_CPU_ISA": "avx9000"])
        #expect(refused.status != 0 && refused.stderr.contains("ALBUM_CPU_ISA must be avx512, avx2 or portable"),
                "\(refused.status): \(refused.stderr)")
    }

    @Test func explicitCoreTypeWins() async throws {
        let result = try await CLIRunner.run(["inspect", "--model", model, "--json"],
                                       environment: ["OPENBLAS_CORETYPE": "Haswell", "ALBUM_BLAS_CORETYPE_SOURCE": nil])
        let json = try result.json()
        #expect(json["blas_core_source"] as? String == "user")
        #expect(json["blas_core"] as? String == "Haswell")
    }

    @Test func servesTasksOfEveryKindThroughTheCLI() async throws {
        let listing = try await CLIRunner.run(["tasks", "list", "--tasks", "models/tasks", "--model", "models/default"])
        #expect(listing.status == 0, "stderr: \(listing.stderr)")
        let inputs = [
            "nli": ["--fields", #"{"premise": "the house is wonderful", "hypothesis": "the house is nice"}"#],
            "sentiment": ["--fields", #"{"sentence": "the house is wonderful"}"#],
            "tense": ["--text", "the house is wonderful"],
        ]
        for (task, input) in inputs {
            #expect(listing.stdout.contains(task))
            let result = try await CLIRunner.run(["generate", "--model", "models/default", "--tasks", "models/tasks",
                                            "--task", task, "--max-new-tokens", "4", "--json"] + input)
            #expect(result.status == 0, "task \(task) stderr: \(result.stderr)")
            let json = try result.json()
            #expect(CLIRunner.ints(json["ids"]).count >= 1)
            // The keys of POST /v1/generate: "output", and for an SPE task "attention" [{source, weight}].
            #expect(json["output"] is String && json["text"] == nil && json["album_weights"] == nil, "\(json)")
            let attention = json["attention"] as? [[String: Any]]
            if task == "nli" {
                let sources = attention?.compactMap { $0["source"] as? String } ?? []
                let total = attention?.compactMap { ($0["weight"] as? NSNumber)?.doubleValue }.reduce(0, +) ?? 0
                #expect(sources.count == 9 && sources.first == "polarity@0.6" && abs(total - 1) < 1e-5, "\(json)")
            } else {
                #expect(attention == nil)
            }
        }
        // Without --max-new-tokens the task's decoding default applies, as in the server.
        let manifest = try CLIRunner.loadJSON("../../models/tasks/nli/task.json")
        let taskDefault = try #require(((manifest["decoding"] as? [String: Any])?["maxNewTokens"] as? NSNumber)?.intValue)
        let defaulted = try await CLIRunner.run(["generate", "--model", "models/default", "--tasks", "models/tasks", "--task", "nli",
                                           "--json"] + inputs["nli"]!)
        let generated = CLIRunner.ints(try defaulted.json()["ids"])
        #expect(!generated.isEmpty && generated.count <= taskDefault, "\(generated.count) tokens, task default \(taskDefault)")
    }

    @Test(arguments: [
        (["generate", "--model", "/nonexistent-model", "--input-ids", "1"], "config"),
        (["generate", "--model", "Tests/Fixtures/t5/v11_gated_untied", "--input-ids", "99999"], "vocabulary"),
        (["generate", "--model", "Tests/Fixtures/t5/v11_gated_untied", "--input-ids", "1,x"], "input-ids"),
        (["generate", "--model", "models/default", "--tasks", "models/tasks", "--task", "no-such-task", "--text", "a"],
         "no-such-task"),
        (["generate", "--model", "models/default", "--tasks", "models/tasks", "--task", "nli", "--text", "a"],
         "premise"),
    ])
    func badInputFailsWithAClearMessage(arguments: [String], mention: String) async throws {
        let result = try await CLIRunner.run(arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains(mention), "stderr: \(result.stderr)")
    }
}
