"""Message intents: held-out evaluation by author (each intents file is one author) and the shipped model.

Run: .venv/bin/python -m bench.fit_intents          (evaluate, then write prompts/interview/intent-model-<embedder>.npz)
     .venv/bin/python -m bench.fit_intents --no-save (evaluate only)
"""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

from bench.report import save
from bot.domain.policy import INTENTS
from bot.interview.intents import IntentClassifier, LabelledMessage, fit_intents, load_messages, model_path
from bot.settings import Settings
from bot.wiring import lazy_embedder


def held_out(messages: list[LabelledMessage], embedder: Any) -> dict[str, Any]:
    """Classify each author's messages with a model fitted on the other authors' (through the product's
    classifier, long-answer rule included); pooled over the folds."""
    vectors = dict(zip([m.text for m in messages], embedder.embed([m.text for m in messages]), strict=True))
    confusion: Counter[tuple[str, str]] = Counter()
    wrong: list[str] = []
    sources = sorted({m.source for m in messages})
    for source in sources:
        train = [m for m in messages if m.source != source]
        model = fit_intents(train, [vectors[m.text] for m in train], embedder.name)  # type: ignore[arg-type]
        classifier = IntentClassifier(embedder, model)
        for message in (m for m in messages if m.source == source):
            got = classifier.classify(message.text)
            confusion[(message.intent, got)] += 1
            if got != message.intent:
                wrong.append(f"{message.intent} → {got}: {message.text[:90]}")
    total = sum(confusion.values())
    correct = sum(n for (a, b), n in confusion.items() if a == b)
    return {"authors": sources, "messages": total, "accuracy": round(correct / total, 3),
            "confusion": {f"{a}→{b}": n for (a, b), n in sorted(confusion.items())}, "errors": wrong}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-save", action="store_true", help="evaluate only; keep the shipped model")
    args = parser.parse_args()
    embedder = lazy_embedder(Settings())
    messages = load_messages()
    results = held_out(messages, embedder)
    results["per_intent"] = dict(Counter(m.intent for m in messages))
    if not args.no_save:
        vectors = embedder.embed([m.text for m in messages])
        fit_intents(messages, vectors, embedder.name).save(model_path(embedder.name))
    save("41_intents", results, markdown(results))
    print(markdown(results))


def markdown(results: dict[str, Any]) -> str:
    header = "| true \\ predicted | " + " | ".join(INTENTS) + " |\n|---|" + "---|" * len(INTENTS)
    rows = [f"| {a} | " + " | ".join(str(results["confusion"].get(f"{a}→{b}", "")) for b in INTENTS) + " |"
            for a in INTENTS]
    examples = "\n".join(f"  - {e}" for e in results["errors"][:12])
    return f"""## Candidate messages: intent

Command: `.venv/bin/python -m bench.fit_intents`

{results['messages']} labelled messages in `prompts/interview/intents-*.yaml` from {len(results['authors'])} authors
({results['per_intent']}), with hard cases (tentative answers ending in "?", clarifying questions that name a
method, "I don't know" against "skip" and "hint", "repeat" against "rephrase"). **Held out by author**: each
author's messages classified by a model fitted on the other authors' (logistic heads over the MiniLM embedding and
character n-grams; a message of 40 words or more is an answer): accuracy **{results['accuracy']:.1%}**.

{header}
{chr(10).join(rows)}

Some errors:
{examples}
"""


if __name__ == "__main__":
    main()
