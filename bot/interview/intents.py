"""What a candidate's message is (an answer, a clarifying question, a request to repeat, …): logistic heads over the
message's embedding and character n-grams, fitted on the labelled messages in prompts/interview
(`bench/fit_intents.py` writes the shipped model)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from bot.domain.policy import INTENTS, Intent
from bot.grading.heads import LogisticHeads, SentenceEmbedder

INTENTS_DIR = Path(__file__).resolve().parents[2] / "prompts" / "interview"
LONG_ANSWER_WORDS = 40  # a message this long is an answer, whatever its last sentence asks
RUNTIME_FIT_MESSAGES = 2000


@dataclass(frozen=True)
class LabelledMessage:
    text: str
    intent: str
    source: str  # the file (one author) it comes from


def load_messages(paths: list[Path] | None = None) -> list[LabelledMessage]:
    """Every labelled message of the intent files; an unknown intent is an error naming the file."""
    files = paths if paths is not None else sorted(INTENTS_DIR.glob("intents-*.yaml"))
    out = []
    for path in files:
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if item.get("intent") not in INTENTS:
                raise ValueError(f"{path.name}: unknown intent {item.get('intent')!r} for {str(item.get('text'))!r}")
            out.append(LabelledMessage(text=str(item["text"]).strip(), intent=item["intent"], source=path.name))
    return out


def fit_intents(messages: list[LabelledMessage], vectors: np.ndarray, embedder_name: str) -> LogisticHeads:
    """One head per intent (one against the rest), fitted on `messages`."""
    everyone = np.ones(len(messages), dtype=bool)
    labels = {i: (np.asarray([m.intent == i for m in messages], dtype=int), everyone) for i in INTENTS
              if any(m.intent == i for m in messages)}
    meta = {"messages": len(messages), "sources": sorted({m.source for m in messages})}
    return LogisticHeads.fit([m.text for m in messages], vectors, embedder_name, labels, meta)


def model_path(embedder_name: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in embedder_name)
    return INTENTS_DIR / f"intent-model-{safe}.npz"


class IntentClassifier:
    """Classifies messages with the shipped model for the embedder, or one fitted on the labelled messages."""

    def __init__(self, embedder: SentenceEmbedder, model: LogisticHeads | None = None) -> None:
        self.embedder = embedder
        self._model = model
        self._lock = threading.Lock()

    @property
    def model(self) -> LogisticHeads:
        with self._lock:
            if self._model is None:
                path = model_path(self.embedder.name)
                model = LogisticHeads.load(path) if path.exists() else None
                if model is None or model.dim != self.embedder.dim:
                    messages = load_messages()[:RUNTIME_FIT_MESSAGES]
                    model = fit_intents(messages, self.embedder.embed([m.text for m in messages]),
                                        self.embedder.name)
                self._model = model
            return self._model

    def classify(self, text: str) -> Intent:
        """The message's intent; an empty message asks to move on, a long one is an answer."""
        words = len(text.split())
        if not words:
            return "skip"
        if words >= LONG_ANSWER_WORDS:
            return "answer"
        model = self.model
        probabilities = model.probabilities([text], self.embedder.embed([text]))[0]
        return model.kinds[int(np.argmax(probabilities))]  # type: ignore[return-value]
