// Evaluation metrics of GLUE-style tasks as scikit-learn and scipy define them: accuracy, binary F1 (the positive
// class is the second label, sklearn's pos_label=1 on 0/1 ids), macro F1, Matthews correlation (multi-class form,
// sklearn.metrics.matthews_corrcoef), Pearson r, Spearman ρ (Pearson of average ranks, scipy.stats.spearmanr with
// ties), exact match. Degenerate cases (constant inputs) give 0, as sklearn's MCC does.
import Foundation

public enum Metrics {
    public static func accuracy(_ predictions: [String], _ references: [String]) -> Double {
        guard !references.isEmpty else { return 0 }
        return Double(zip(predictions, references).filter { $0 == $1 }.count) / Double(references.count)
    }

    /// Exact match after trimming whitespace.
    public static func exactMatch(_ predictions: [String], _ references: [String]) -> Double {
        accuracy(predictions.map { $0.trimmingCharacters(in: .whitespaces) },
                 references.map { $0.trimmingCharacters(in: .whitespaces) })
    }

    /// F1 of class `positive`.
    public static func f1(_ predictions: [String], _ references: [String], positive: String) -> Double {
        var tp = 0.0, fp = 0.0, fn = 0.0
        for (p, r) in zip(predictions, references) {
            if p == positive && r == positive { tp += 1 } else if p == positive { fp += 1 } else if r == positive { fn += 1 }
        }
        return tp == 0 ? 0 : 2 * tp / (2 * tp + fp + fn)
    }

    /// Unweighted mean of the per-class F1 over `classes`.
    public static func macroF1(_ predictions: [String], _ references: [String], classes: [String]) -> Double {
        guard !classes.isEmpty else { return 0 }
        return classes.map { f1(predictions, references, positive: $0) }.reduce(0, +) / Double(classes.count)
    }

    /// Matthews correlation coefficient (Gorodkin's multi-class R_K, sklearn's formula).
    public static func matthews(_ predictions: [String], _ references: [String]) -> Double {
        let classes = Array(Set(predictions + references)).sorted()
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let k = classes.count
        var confusion = [Double](repeating: 0, count: k * k)
        for (p, r) in zip(predictions, references) { confusion[index[r]! * k + index[p]!] += 1 }
        let t = (0..<k).map { i in (0..<k).reduce(0.0) { $0 + confusion[i * k + $1] } }  // true counts
        let p = (0..<k).map { j in (0..<k).reduce(0.0) { $0 + confusion[$1 * k + j] } }  // predicted counts
        let c = (0..<k).reduce(0.0) { $0 + confusion[$1 * k + $1] }
        let s = Double(predictions.count)
        let cov = c * s - zip(t, p).reduce(0.0) { $0 + $1.0 * $1.1 }
        let covPP = s * s - p.reduce(0.0) { $0 + $1 * $1 }
        let covTT = s * s - t.reduce(0.0) { $0 + $1 * $1 }
        guard covPP > 0, covTT > 0 else { return 0 }
        return cov / (covPP * covTT).squareRoot()
    }

    public static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(x.count)
        guard x.count == y.count, x.count > 1 else { return 0 }
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) { sxy += (a - mx) * (b - my); sxx += (a - mx) * (a - mx); syy += (b - my) * (b - my) }
        guard sxx > 0, syy > 0 else { return 0 }
        return sxy / (sxx * syy).squareRoot()
    }

    /// Spearman's ρ: Pearson of the average ranks (ties share their mean rank).
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double {
        pearson(ranks(x), ranks(y))
    }

    /// 1-based average ranks (scipy.stats.rankdata(method="average")).
    public static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] || (values[$0] == values[$1] && $0 < $1) }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
            let rank = Double(start + end) / 2 + 1
            for i in start...end { ranks[order[i]] = rank }
            start = end + 1
        }
        return ranks
    }

    /// Every metric that applies: classification metrics when `labels` are given, correlations when every
    /// reference and prediction parses as a number, exact match always.
    public static func all(predictions: [String], references: [String], labels: [String]?) -> [String: Double] {
        var out: [String: Double] = ["exact_match": exactMatch(predictions, references),
                                     "accuracy": accuracy(predictions, references)]
        if let labels {
            out["mcc"] = matthews(predictions, references)
            out["f1_macro"] = macroF1(predictions, references, classes: labels)
            if labels.count == 2 { out["f1"] = f1(predictions, references, positive: labels[1]) }
        }
        let xs = predictions.compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        let ys = references.compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        if xs.count == predictions.count, ys.count == references.count, xs.count > 1 {
            out["pearson"] = pearson(xs, ys)
            out["spearman"] = spearman(xs, ys)
        }
        return out
    }
}
