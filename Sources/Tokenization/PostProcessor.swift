// Post-processors (HF tokenizers `processors/template.rs`): where `</s>` and friends go around the ids when
// special tokens are added. Only the single-sequence template is needed by `encode`.

/// The post-processing step of `tokenizer.json` (`"post_processor"`).
enum PostProcessor: Sendable {
    /// Items of the `single` template: `.sequence` for `$A`, `.special(ids)` for a special token.
    case template([TemplateItem])

    enum TemplateItem: Sendable {
        case sequence
        case special([Int32])
    }

    /// Wraps `ids` as the template says.
    func apply(_ ids: [Int32]) -> [Int32] {
        switch self {
        case .template(let items):
            var out: [Int32] = []
            out.reserveCapacity(ids.count + 2)
            for item in items {
                switch item {
                case .sequence: out.append(contentsOf: ids)
                case .special(let s): out.append(contentsOf: s)
                }
            }
            return out
        }
    }
}
