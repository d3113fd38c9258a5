// Input templates: filling named fields, plain-text tasks, brace escapes, and the exact error (case, file or task,
// reason) for each kind of bad template or input.
import Testing
@testable import Prompts

@Suite struct TemplateTests {
    @Test func fillsNamedFields() throws {
        let template = try InputTemplate("premise: {premise} hypothesis: {hypothesis}", path: "t")
        #expect(template.fields == ["premise", "hypothesis"])
        let text = try template.fill(text: nil, fields: ["premise": "A man sleeps.", "hypothesis": "A man rests."], task: "rte")
        #expect(text == "premise: A man sleeps. hypothesis: A man rests.")
    }

    @Test func plainTemplateTakesText() throws {
        #expect(try InputTemplate.plain.fill(text: "hello", fields: nil, task: "x") == "hello")
        #expect(try InputTemplate.plain.fill(text: nil, fields: ["input": "hi"], task: "x") == "hi")
    }

    @Test func escapesAndRepeats() throws {
        let template = try InputTemplate("{{literal}} {a} and {a}}}", path: "t")
        #expect(try template.fill(text: nil, fields: ["a": "x"], task: "t") == "{literal} x and x}")
    }

    @Test func rejectsBadTemplates() {
        let cases: [(String, String)] = [
            ("no fields", "has no {field}"),
            ("open {a", "unclosed '{'"),
            ("stray } brace {a}", "stray '}' (write '}}' for a literal brace)"),
            ("{}", "field name \"\" must be letters, digits or '_'"),
            ("{bad-name}", "field name \"bad-name\" must be letters, digits or '_'"),
        ]
        for (bad, reason) in cases {
            #expect(throws: PromptsError.badManifest(path: "t", reason: "template \(bad.debugDescription): \(reason)"), "\(bad)") {
                try InputTemplate(bad, path: "t")
            }
        }
    }

    @Test func rejectsBadInputs() throws {
        let template = try InputTemplate("q: {question} c: {context}", path: "t")
        #expect(throws: PromptsError.badInput(task: "qa", reason: "missing fields [\"context\"] (template \"q: {question} c: {context}\")")) {
            try template.fill(text: nil, fields: ["question": "why"], task: "qa")
        }
        #expect(throws: PromptsError.badInput(task: "qa", reason: "unknown fields [\"extra\"]; the template uses [\"question\", \"context\"]")) {
            try template.fill(text: nil, fields: ["question": "a", "context": "b", "extra": "c"], task: "qa")
        }
        #expect(throws: PromptsError.badInput(
            task: "qa", reason: "this task takes fields [\"question\", \"context\"], not plain text (template \"q: {question} c: {context}\")")) {
            try template.fill(text: "plain", fields: nil, task: "qa")
        }
        #expect(throws: PromptsError.badInput(task: "qa", reason: "no input: give text or fields [\"question\", \"context\"]")) {
            try template.fill(text: nil, fields: nil, task: "qa")
        }
        #expect(throws: PromptsError.badInput(task: "qa", reason: "give either text or fields, not both")) {
            try template.fill(text: "plain", fields: ["question": "a", "context": "b"], task: "qa")
        }
    }
}
