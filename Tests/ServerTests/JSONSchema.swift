// A small JSON Schema checker for the subset the OpenAPI document uses ($ref, type, enum, properties, required,
// additionalProperties, items, oneOf / anyOf / allOf, minimum / maximum / exclusiveMinimum, minItems / maxItems), so
// tests can hold request examples and live responses to the document. Values are JSONSerialization's.
import Foundation

struct JSONSchema {
    /// The whole OpenAPI document, for `#/components/...` references.
    let document: [String: Any]

    /// Every way `value` breaks `schema`, as "path: reason" lines (empty when it conforms).
    func violations(_ value: Any, _ schema: [String: Any], at path: String = "$") -> [String] {
        if let reference = schema["$ref"] as? String {
            guard let target = resolve(reference) else { return ["\(path): unresolved \(reference)"] }
            return violations(value, target, at: path)
        }
        var found: [String] = []
        if let types = schema["type"].map({ $0 as? [String] ?? [$0 as? String ?? ""] }), !types.contains(where: { Self.matches(value, type: $0) }) {
            return ["\(path): \(Self.describe(value)) is not of type \(types)"]
        }
        if let options = schema["enum"] as? [Any], !options.contains(where: { Self.equal($0, value) }) {
            found.append("\(path): \(Self.describe(value)) is not one of \(options)")
        }
        if let number = (value as? NSNumber).flatMap({ Self.isBoolean($0) ? nil : $0.doubleValue }) {
            if let minimum = (schema["minimum"] as? NSNumber)?.doubleValue, number < minimum { found.append("\(path): \(number) < \(minimum)") }
            if let maximum = (schema["maximum"] as? NSNumber)?.doubleValue, number > maximum { found.append("\(path): \(number) > \(maximum)") }
            if let bound = (schema["exclusiveMinimum"] as? NSNumber)?.doubleValue, number <= bound { found.append("\(path): \(number) ≤ \(bound)") }
        }
        if let object = value as? [String: Any] {
            let properties = schema["properties"] as? [String: [String: Any]] ?? [:]
            for name in schema["required"] as? [String] ?? [] where object[name] == nil {
                found.append("\(path): misses required '\(name)'")
            }
            for (name, member) in object {
                if let property = properties[name] {
                    found += violations(member, property, at: "\(path).\(name)")
                } else if let extra = schema["additionalProperties"] {
                    if let allowed = extra as? Bool, !allowed { found.append("\(path): unknown property '\(name)'") }
                    if let extraSchema = extra as? [String: Any] { found += violations(member, extraSchema, at: "\(path).\(name)") }
                }
            }
        }
        if let array = value as? [Any] {
            if let items = schema["items"] as? [String: Any] {
                for (index, item) in array.enumerated() { found += violations(item, items, at: "\(path)[\(index)]") }
            }
            if let most = (schema["maxItems"] as? NSNumber)?.intValue, array.count > most { found.append("\(path): more than \(most) items") }
            if let least = (schema["minItems"] as? NSNumber)?.intValue, array.count < least { found.append("\(path): fewer than \(least) items") }
        }
        if let all = schema["allOf"] as? [[String: Any]] {
            for part in all { found += violations(value, part, at: path) }
        }
        if let any = schema["anyOf"] as? [[String: Any]], !any.contains(where: { violations(value, $0, at: path).isEmpty }) {
            found.append("\(path): matches none of anyOf")
        }
        if let one = schema["oneOf"] as? [[String: Any]] {
            let matching = one.filter { violations(value, $0, at: path).isEmpty }.count
            if matching != 1 { found.append("\(path): matches \(matching) of oneOf's \(one.count) schemas, not exactly one") }
        }
        return found
    }

    private func resolve(_ reference: String) -> [String: Any]? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: Any = document
        for key in reference.dropFirst(2).split(separator: "/") {
            guard let next = (node as? [String: Any])?[String(key)] else { return nil }
            node = next
        }
        return node as? [String: Any]
    }

    /// JSONSerialization gives true/false as NSNumbers of type "c" (integers are "i"/"q", doubles "d").
    private static func isBoolean(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" }

    private static func matches(_ value: Any, type: String) -> Bool {
        switch type {
        case "null": return value is NSNull
        case "string": return value is String
        case "boolean": return (value as? NSNumber).map(isBoolean) ?? false
        case "integer":
            guard let number = value as? NSNumber, !isBoolean(number) else { return false }
            return number.doubleValue.rounded() == number.doubleValue
        case "number": return (value as? NSNumber).map { !isBoolean($0) } ?? false
        case "object": return value is [String: Any]
        case "array": return value is [Any]
        default: return false
        }
    }

    private static func equal(_ a: Any, _ b: Any) -> Bool {
        if a is NSNull || b is NSNull { return a is NSNull && b is NSNull }
        return (a as? NSObject)?.isEqual(b) ?? false
    }

    private static func describe(_ value: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]) else { return "\(value)" }
        return String(decoding: data.prefix(120), as: UTF8.self)
    }
}
