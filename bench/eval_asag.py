"""Content-scorer benchmark: question-grouped folds on Mohler, SAF training → unseen questions; `--fit` ships the model.

Run: PYTHONPATH=. python -m bench.eval_asag          (evaluate only)
     PYTHONPATH=. python -m bench.eval_asag --fit    (also write prompts/grading/content_model.json)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from bench.asag_data import SAF_LABELS, GradedAnswer, load_mohler, load_saf
from bench.report import save
from bot.grading.alignment import (
    DEFAULT_MODEL_PATH,
    FEATURES,
    ContentModel,
    TextEmbedder,
    content_features,
    warm_reference,
)

MODEL_FEATURES = ("sent_recall", "exact_recall", "cos_bag", "log_words")
LAMBDAS = (1.0, 3.0, 10.0, 30.0, 100.0)
K_FOLDS, SEED = 10, 0
COMMAND = "PYTHONPATH=. python -m bench.eval_asag"


# --- features and models -------------------------------------------------------------------------------------------


BENCH_FEATURES = (*FEATURES, "cos_full")  # + the plain baseline: MiniLM cosine of the whole answer and reference


def feature_matrix(rows: Sequence[GradedAnswer], embedder: TextEmbedder, demote: bool = True,
                   word_vectors: bool = True) -> np.ndarray:
    """One row of `BENCH_FEATURES` per answer (`demote=False` withholds the question, so nothing is demoted;
    without `word_vectors` the soft-alignment columns are NaN)."""
    out = np.zeros((len(rows), len(BENCH_FEATURES)))
    for i, row in enumerate(rows):
        feats = content_features(row.answer, row.reference, embedder, row.question if demote else "", word_vectors)
        out[i, :-1] = [feats.get(name, np.nan) for name in FEATURES]
    texts = sorted({t for row in rows for t in (row.answer, row.reference)})
    vec = dict(zip(texts, embedder.embed(texts), strict=True))
    out[:, -1] = [float(vec[row.answer] @ vec[row.reference]) for row in rows]
    return out


def columns(X: np.ndarray, names: Sequence[str]) -> np.ndarray:
    return X[:, [BENCH_FEATURES.index(n) for n in names]]


def fit_linear(X: np.ndarray, t: np.ndarray, lam: float, link: str = "logistic") -> tuple[np.ndarray, float]:
    """L2-penalised fit on standardised features (Newton steps for the logistic link, whose target lies in 0..1);
    returns weights and bias for the raw features."""
    mu, sd = X.mean(axis=0), X.std(axis=0) + 1e-9
    Z = np.hstack([(X - mu) / sd, np.ones((len(X), 1))])
    penalty = lam * np.eye(Z.shape[1])
    penalty[-1, -1] = 0.0
    if link == "linear":
        beta = np.linalg.solve(Z.T @ Z + penalty, Z.T @ t)
    else:
        beta = np.zeros(Z.shape[1])
        mean = float(np.clip(t.mean(), 0.01, 0.99))
        beta[-1] = np.log(mean / (1 - mean))
        for _ in range(100):
            p = 1.0 / (1.0 + np.exp(-Z @ beta))
            step = np.linalg.solve((Z * (p * (1 - p))[:, None]).T @ Z + penalty, Z.T @ (p - t) + penalty @ beta)
            beta -= step
            if np.abs(step).max() < 1e-10:
                break
    weights = beta[:-1] / sd
    return weights, float(beta[-1] - weights @ mu)


def predict(X: np.ndarray, weights: np.ndarray, bias: float, link: str = "logistic") -> np.ndarray:
    z = X @ weights + bias
    return 1.0 / (1.0 + np.exp(-z)) if link == "logistic" else z


def question_folds(qids: Sequence[str], k: int = K_FOLDS, seed: int = SEED) -> list[np.ndarray]:
    """Boolean test masks of k folds that keep each question's answers together."""
    unique = sorted(set(qids))
    np.random.default_rng(seed).shuffle(unique)
    groups = [set(unique[i::k]) for i in range(k)]
    ids = np.asarray(qids)
    return [np.isin(ids, sorted(g)) for g in groups if g]


def choose_lambda(X: np.ndarray, t: np.ndarray, qids: Sequence[str], link: str) -> float:
    """The penalty with the least squared error in an inner 5-fold question-grouped CV on these rows only."""
    errors = []
    for lam in LAMBDAS:
        sse = 0.0
        for test in question_folds(qids, k=5, seed=SEED + 1):
            w, b = fit_linear(X[~test], t[~test], lam, link)
            sse += float(((predict(X[test], w, b, link) - t[test]) ** 2).sum())
        errors.append(sse)
    return LAMBDAS[int(np.argmin(errors))]


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else 0.0


def rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((a - b) ** 2)))


def mohler_cv(X: np.ndarray, y: np.ndarray, qids: Sequence[str], link: str = "logistic",
              extra: tuple[np.ndarray, np.ndarray, list[str]] | None = None) -> np.ndarray:
    """Out-of-fold 0–5 predictions: per fold, penalty, weights and the linear 0–5 calibration use training questions
    only (`extra` rows — features, 0..1 targets, question ids — join every training fold)."""
    pred = np.zeros(len(y))
    for test in question_folds(qids):
        Xtr, ttr, qtr = X[~test], y[~test] / 5, [q for q, m in zip(qids, test, strict=True) if not m]
        if extra is not None:
            Xtr, ttr, qtr = np.vstack([Xtr, extra[0]]), np.concatenate([ttr, extra[1]]), qtr + extra[2]
        w, b = fit_linear(Xtr, ttr, choose_lambda(Xtr, ttr, qtr, link), link)
        slope, intercept = np.polyfit(5 * predict(X[~test], w, b, link), y[~test], 1)
        pred[test] = np.clip(slope * 5 * predict(X[test], w, b, link) + intercept, 0, 5)
    return pred


# --- SAF: Pearson r and the three-way verdict --------------------------------------------------------------------


def macro_f1(pred: Sequence[str], gold: Sequence[str]) -> float:
    scores = []
    for label in SAF_LABELS:
        tp = sum(p == label and g == label for p, g in zip(pred, gold, strict=True))
        fp = sum(p == label and g != label for p, g in zip(pred, gold, strict=True))
        fn = sum(p != label and g == label for p, g in zip(pred, gold, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(scores))


def verdicts(scores: np.ndarray, low: float, high: float) -> list[str]:
    """Incorrect below `low`, Correct from `high`, Partially correct between."""
    return [SAF_LABELS[0] if s < low else SAF_LABELS[2] if s >= high else SAF_LABELS[1] for s in scores]


def fit_thresholds(scores: np.ndarray, gold: Sequence[str]) -> tuple[float, float]:
    """The (low, high) pair among score percentiles that maximises macro-F1 on these (training) answers."""
    grid = np.unique(np.percentile(scores, np.arange(1, 100)))
    best = (-1.0, 0.0, 1.0)
    for i, low in enumerate(grid):
        for high in grid[i:]:
            f1 = macro_f1(verdicts(scores, low, high), gold)
            if f1 > best[0]:
                best = (f1, float(low), float(high))
    return best[1], best[2]


NON_SUBMISSION = re.compile(r"^\s*(?:(?:no|empty)\s+(?:response|submission|answer)\.?)?\s*$", re.IGNORECASE)


def saf_eval(X: dict[str, np.ndarray], rows: dict[str, list[GradedAnswer]], names: Sequence[str],
             link: str = "logistic") -> dict[str, float]:
    """Fit on SAF training; thresholds on out-of-fold (question-grouped) training scores; test on unseen splits."""
    Xtr, t, q = columns(X["training"], names), np.array([r.score for r in rows["training"]]), \
        [r.question_id for r in rows["training"]]
    lam = choose_lambda(Xtr, t, q, link)
    oof = np.zeros(len(t))
    for test in question_folds(q, k=6):
        w, b = fit_linear(Xtr[~test], t[~test], lam, link)
        oof[test] = predict(Xtr[test], w, b, link)
    low, high = fit_thresholds(oof, [r.label for r in rows["training"]])
    w, b = fit_linear(Xtr, t, lam, link)
    out = {"lambda": lam, "low": low, "high": high}
    for split in ("unseen_questions", "unseen_answers"):
        s = predict(columns(X[split], names), w, b, link)
        gold = np.array([r.score for r in rows[split]])
        out[f"{split}_r"] = pearson(s, gold)
        out[f"{split}_rmse"] = rmse(np.clip(s, 0, 1), gold)
        out[f"{split}_macro_f1"] = macro_f1(verdicts(s, low, high), [r.label for r in rows[split]])
        submitted = np.array([not NON_SUBMISSION.match(r.answer) for r in rows[split]])
        out[f"{split}_submitted"] = int(submitted.sum())
        out[f"{split}_submitted_r"] = pearson(s[submitted], gold[submitted])
    return out


# --- the run -------------------------------------------------------------------------------------------------------

PRECISION = ("exact_precision", "sent_precision", "chunk_precision")


def _swap(old: str, new: str) -> tuple[str, ...]:
    return tuple(new if n == old else n for n in MODEL_FEATURES)


ABLATION: list[tuple[str, tuple[str, ...], str]] = [
    ("MiniLM cosine(answer, reference) only, linear", ("cos_full",), "linear"),
    ("exact-stem alignment recall only", ("exact_recall",), "logistic"),
    ("word-alignment recall only (exact stem, then word-embedding cosine)", ("align_recall",), "logistic"),
    ("sentence coverage only", ("sent_recall",), "logistic"),
    ("phrase coverage only (5-word windows)", ("chunk_recall",), "logistic"),
    ("**shipped: " + ", ".join(MODEL_FEATURES) + "**", MODEL_FEATURES, "logistic"),
    *[(f"shipped − {n}", tuple(m for m in MODEL_FEATURES if m != n), "logistic") for n in MODEL_FEATURES],
    ("shipped + phrase coverage (5-word windows: one more embedding pass per answer)",
     (*MODEL_FEATURES, "chunk_recall"), "logistic"),
    ("shipped, mean sentence vector for the bag of words (no extra embedding pass)", _swap("cos_bag", "cos_mean"),
     "logistic"),
    ("shipped, word-embedding alignment recall for exact_recall", _swap("exact_recall", "align_recall"), "logistic"),
    ("shipped + word-embedding alignment recall", (*MODEL_FEATURES, "align_recall"), "logistic"),
    ("shipped, linear ridge instead of the logistic link", MODEL_FEATURES, "linear"),
    ("shipped + precision (exact, sentence, phrase)", MODEL_FEATURES + PRECISION, "logistic"),
    ("shipped, soft-threshold sentence coverage for sent_recall", _swap("sent_recall", "sent_coverage_soft"),
     "logistic"),
    ("shipped + whole-text cosine + length ratio + question share",
     (*MODEL_FEATURES, "cos_full", "log_len_ratio", "question_share"), "logistic"),
    ("all features", BENCH_FEATURES, "logistic"),
]


def latency(rows: Sequence[GradedAnswer], embedder: TextEmbedder, model: ContentModel, n: int) -> dict[str, Any]:
    """Per-answer time of features + score on a seeded sample, starting from an empty vector cache: `cold` includes
    embedding the reference, `warm` has it cached (`warm_reference` when the question is asked)."""
    from bench.report import percentiles_ms
    from bot.grading import alignment

    picks = np.random.default_rng(SEED).choice(len(rows), size=min(n, len(rows)), replace=False)
    words = model.needs_word_vectors
    out: dict[str, Any] = {"answers": len(picks), "load_average": round(os.getloadavg()[0], 2),
                           "median_words": float(np.median([len(rows[i].answer.split()) for i in picks]))}
    for mode in ("cold", "warm"):
        alignment._vector_cache.clear()
        alignment._reference_side.cache_clear()
        samples = []
        for i in picks:
            row = rows[i]
            if mode == "warm":
                warm_reference(row.reference, embedder, row.question, word_vectors=words)
            started = time.perf_counter()
            model.score(content_features(row.answer, row.reference, embedder, row.question, word_vectors=words))
            samples.append(time.perf_counter() - started)
        out[mode] = percentiles_ms(samples)
    return out


def product_model(X: np.ndarray, t: np.ndarray, qids: list[str], off_topic: np.ndarray, full_marks: np.ndarray,
                  datasets: list[str]) -> dict[str, Any]:
    """Fit the shipped model on every given answer; the 0–1 scaling maps the median off-topic prediction (answers
    graded against another question's reference) to 0 and the median full-marks prediction to 1."""
    cols = columns(X, MODEL_FEATURES)
    lam = choose_lambda(cols, t, qids, "logistic")
    w, b = fit_linear(cols, t, lam, "logistic")
    lo = float(np.median(predict(columns(off_topic, MODEL_FEATURES), w, b)))
    hi = float(np.median(predict(cols[full_marks], w, b)))
    return {
        "model": "content", "link": "logistic", "features": list(MODEL_FEATURES),
        "weights": [round(float(v), 6) for v in w], "bias": round(b, 6),
        "output_scaling": {"lo": round(lo, 4), "hi": round(hi, 4),
                           "note": "content = clip((sigmoid(weights·features + bias) − lo) / (hi − lo), 0, 1)"},
        "fitted_on": {"datasets": datasets, "answers": len(t), "questions": len(set(qids)), "lambda": lam,
                      "target": "grade / max grade (Mohler: score_avg / 5)", "embedder": "all-MiniLM-L6-v2",
                      "by": f"{COMMAND} --fit"},
    }


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", action="store_true", help="also write the shipped model fitted on all the data")
    parser.add_argument("--no-saf", action="store_true", help="skip the SAF evaluation (it is the slow part)")
    parser.add_argument("--out", default=str(DEFAULT_MODEL_PATH), help="where --fit writes the model")
    parser.add_argument("--threads", type=int, default=1, help="embedder threads (0: one per core)")
    parser.add_argument("--json", help="also write every figure to this JSON file")
    parser.add_argument("--latency-only", action="store_true", help="only time the shipped model, print and exit")
    args = parser.parse_args(argv)
    from bot.retrieval.embedder import OnnxMiniLMEmbedder

    embedder = OnnxMiniLMEmbedder(threads=args.threads)
    if args.latency_only:
        model = ContentModel.load()
        timings = {"mohler": latency(load_mohler(), embedder, model, 300),
                   "saf_unseen_questions": latency(load_saf("unseen_questions"), embedder, model, 100)}
        print(json.dumps(timings | {"threads": args.threads}, indent=2))
        return timings
    saf_rows = {} if args.no_saf else {s: load_saf(s) for s in ("training", "unseen_questions", "unseen_answers")}
    results = evaluate(embedder, load_mohler(), saf_rows)
    results["threads"] = args.threads
    if args.fit:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(results["model"], indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {args.out}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    figures = {k: v for k, v in results.items() if k != "model"}
    save("25_asag", figures, markdown_section(results))
    print(markdown_section(results))
    return results


def evaluate(embedder: TextEmbedder, mohler: list[GradedAnswer], saf_rows: dict[str, list[GradedAnswer]],
             latency_samples: tuple[int, int] = (300, 100)) -> dict[str, Any]:
    """Every figure of the benchmark, and the product model fitted on all of Mohler (under "model")."""
    started = time.perf_counter()
    y, qids = np.array([r.score for r in mohler]), [r.question_id for r in mohler]
    X = feature_matrix(mohler, embedder)
    X_plain = feature_matrix(mohler, embedder, demote=False, word_vectors=False)
    saf_X = {s: feature_matrix(rows, embedder) for s, rows in saf_rows.items()}
    print(f"features: {time.perf_counter() - started:.0f} s", flush=True)

    ablation = []
    for label, names, link in ABLATION:
        pred = mohler_cv(columns(X, names), y, qids, link)
        row: dict[str, Any] = {"config": label, "r": pearson(pred, y), "rmse": rmse(pred, y)}
        if saf_rows:
            saf = saf_eval(saf_X, saf_rows, names, link)
            row |= {"saf_r": saf["unseen_questions_r"], "saf_sub_r": saf["unseen_questions_submitted_r"],
                    "saf_f1": saf["unseen_questions_macro_f1"]}
        ablation.append(row)
        print(f"{label:80s} r={row['r']:.3f} rmse={row['rmse']:.3f}", flush=True)
    pred = mohler_cv(columns(X_plain, MODEL_FEATURES), y, qids)
    ablation.append({"config": "shipped, no question demoting", "r": pearson(pred, y), "rmse": rmse(pred, y)})
    if saf_rows:
        t_saf = np.array([r.score for r in saf_rows["training"]])
        extra = (columns(saf_X["training"], MODEL_FEATURES), t_saf, [r.question_id for r in saf_rows["training"]])
        pred = mohler_cv(columns(X, MODEL_FEATURES), y, qids, extra=extra)
        ablation.append({"config": "shipped, SAF training answers added to every training fold",
                         "r": pearson(pred, y), "rmse": rmse(pred, y)})
    final = mohler_cv(columns(X, MODEL_FEATURES), y, qids)
    results: dict[str, Any] = {
        "mohler": {"answers": len(y), "questions": len(set(qids)), "folds": K_FOLDS, "r": pearson(final, y),
                   "rmse": rmse(final, y), "mean_baseline_rmse": float(y.std())},
        "ablation": ablation,
    }
    if saf_rows:
        results["saf"] = saf_eval(saf_X, saf_rows, MODEL_FEATURES) | {
            s: len(rows) for s, rows in saf_rows.items()}
    # The shipped model: all of Mohler (SAF training data did not help on Mohler, see the ablation).
    off_rows = [GradedAnswer(r.question_id, o.question, o.reference, r.answer, 0.0) for r, o in
                zip(mohler, mohler[len(mohler) // 2:] + mohler[: len(mohler) // 2], strict=True)
                if o.question_id != r.question_id][::8]
    spec = product_model(X, y / 5, qids, feature_matrix(off_rows, embedder, word_vectors=False), y == 5,
                         ["mohler (all 81 questions)"])
    model = ContentModel.from_dict(spec)
    results["latency"] = {"mohler": latency(mohler, embedder, model, latency_samples[0])}
    if saf_rows:
        results["latency"]["saf_unseen_questions"] = latency(saf_rows["unseen_questions"], embedder, model,
                                                             latency_samples[1])
    results["model"], results["threads"] = spec, 0
    return results


def markdown_section(results: dict[str, Any]) -> str:
    """The results as a Markdown section for docs/benchmarks.md."""
    m = results["mohler"]
    lines = [
        "## Content scorer: answer vs. reference (short-answer grading sets)",
        "",
        f"`{COMMAND}` — features from `bot/grading/alignment.py`, a logistic-link linear model over "
        f"{len(MODEL_FEATURES)} of them. Mohler et al. 2011: {m['answers']} answers to {m['questions']} questions, "
        f"{m['folds']} folds grouped by question; penalty, weights and the 0–5 calibration are fitted on the "
        "training-fold questions only.",
        "",
        "| Mohler (0–5, `score_avg`) | Pearson r | RMSE |",
        "|---|---|---|",
        f"| **this scorer (folds)** | **{m['r']:.3f}** | **{m['rmse']:.3f}** |",
        "| Sultan et al. 2016 (alignment + cosine + length, ridge) | 0.592 | 0.887 |",
        "| human vs. human | 0.597 | — |",
        f"| predict the mean | — | {m['mean_baseline_rmse']:.3f} |",
        "",
    ]
    if "saf" in results:
        s = results["saf"]
        lines += [
            f"SAF (English), fitted on `training` ({s['training']} answers), thresholds Incorrect < {s['low']:.3f} ≤ "
            f"Partially correct < {s['high']:.3f} ≤ Correct fitted on out-of-fold training scores:",
            "",
            "| SAF split | Pearson r | r, submitted answers only | RMSE (0–1) | macro-F1 (3 verdicts) |",
            "|---|---|---|---|---|",
            *[f"| `{k}` ({s[k]} answers) | {s[k + '_r']:.3f} | {s[k + '_submitted_r']:.3f} ({s[k + '_submitted']}) "
              f"| {s[k + '_rmse']:.3f} | {s[k + '_macro_f1']:.3f} |" for k in ("unseen_questions", "unseen_answers")],
            "",
            "About a fifth of SAF answers are placeholders (\"No response.\", \"Empty submission.\") graded 0; they "
            "are easy and lift r, so r is also given without them.",
            "",
        ]
    else:
        lines += ["SAF: not evaluated in this run (`--no-saf`); run without it for the SAF figures.", ""]
    saf_cols = "saf_r" in results["ablation"][0]
    lines += ["Ablation (Mohler folds" + (", SAF `unseen_questions`: r on all answers, on submitted answers, and "
                                          "macro-F1)" if saf_cols else ")") + ":", "",
              "| configuration | Mohler r | Mohler RMSE |" + (" SAF r | SAF r submitted | SAF macro-F1 |"
                                                               if saf_cols else ""),
              "|---|---|---|" + ("---|---|---|" if saf_cols else "")]
    for row in results["ablation"]:
        cells = f"| {row['config']} | {row['r']:.3f} | {row['rmse']:.3f} |"
        if saf_cols:
            cells += (f" {row['saf_r']:.3f} | {row['saf_sub_r']:.3f} | {row['saf_f1']:.3f} |" if "saf_r" in row
                      else " — | — | — |")
        lines.append(cells)
    lines += ["", f"Per-answer latency of features + score after model load, embedder threads: {results['threads']} "
              "(empty vector cache at the start; *cold*: the answer's reference is embedded too, *warm*: it was "
              "embedded beforehand with `warm_reference`; load: the machine's 1-minute load average at the time, "
              "above 2 means the two cores were oversubscribed by other processes):", "",
              "| answers | cold p50 | cold p95 | warm p50 | warm p95 |", "|---|---|---|---|---|"]
    for name, lat in results["latency"].items():
        lines.append(f"| {name} ({lat['answers']}, median {lat['median_words']:.0f} words; load {lat['load_average']}) "
                     f"| {lat['cold']['p50_ms']:.0f} ms | {lat['cold']['p95_ms']:.0f} ms "
                     f"| {lat['warm']['p50_ms']:.0f} ms | {lat['warm']['p95_ms']:.0f} ms |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
