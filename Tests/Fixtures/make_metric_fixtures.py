# Reference values of the evaluation metrics (Training/Trainer/Metrics.swift) from scipy: Spearman with ties,
# Pearson, and Matthews correlation / F1 written out from their definitions (phi coefficient of the 2x2 table).
import json, math
from scipy.stats import spearmanr, pearsonr

ref, pred = [0, 1, 1, 0, 1, 0], [0, 1, 0, 0, 1, 1]
tp = sum(r == 1 and p == 1 for r, p in zip(ref, pred)); tn = sum(r == 0 and p == 0 for r, p in zip(ref, pred))
fp = sum(r == 0 and p == 1 for r, p in zip(ref, pred)); fn = sum(r == 1 and p == 0 for r, p in zip(ref, pred))
out = {
    "spearman_ties": spearmanr([1, 2, 2, 3, 5], [2, 1, 4, 4, 6]).statistic,
    "pearson": pearsonr([1, 2, 3, 4], [2, 1, 4, 3]).statistic,
    "mcc": (tp * tn - fp * fn) / math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)),
    "f1": 2 * tp / (2 * tp + fp + fn),
}
json.dump(out, open(__file__.replace("make_metric_fixtures.py", "metrics/golden.json"), "w"), indent=1)
