// Input templates: filling named fields, plain-text tasks, brace escapes and the errors for bad templates or inputs.
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
        for bad in ["no fields", "open {a", "stray } brace {a}", "{}", "{bad-name}"] {
            #expect(throws: PromptsError.self, "\(bad)") { try InputTemplate(bad, path: "t") }
        }
    }

    @Test func rejectsBadInputs() throws {
        let template = try InputTemplate("q: {question} c: {context}", path: "t")
        #expect(throws: PromptsError.badInput(task: "qa", reason: "missing fields [\"context\"] (template \"q: {question} c: {context}\")")) {
            try template.fill(text: nil, fields: ["question": "why"], task: "qa")
        }
        #expect(throws: PromptsError.self) { try template.fill(text: nil, fields: ["question": "a", "context": "b", "extra": "c"], task: "qa") }
        #expect(throws: PromptsError.self) { try template.fill(text: "plain", fields: nil, task: "qa") }
        #expect(throws: PromptsError.self) { try template.fill(text: nil, fields: nil, task: "qa") }
    }
}
