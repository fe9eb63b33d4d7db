"""Recognises the kind of requirement an answer sentence shows (a risk handled, a lesson, …): one logistic head per
kind (and one for specificity, one for declining to answer), fitted on the labelled corpus in prompts/grading/elements
and the candidate messages in prompts/interview (`bench/fit_kinds.py` writes the shipped model)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from bot.domain.elements import LEARNED_KINDS
from bot.grading.heads import C, LogisticHeads, SentenceEmbedder

ELEMENTS_DIR = Path(__file__).resolve().parents[2] / "prompts" / "grading" / "elements"
SECTIONS = ("stories", "targeted", "negatives", "vague")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class LabelledSentence:
    text: str
    kinds: frozenset[str]
    group: str  # the story (or list block) it comes from: splits never cut through a story
    source: str  # the corpus file
    section: str = "stories"  # stories | targeted | negatives | vague (generic filler: the "specific" head's 0s),
    # or one of MESSAGE_SECTIONS


def load_corpus(paths: list[Path] | None = None) -> list[LabelledSentence]:
    """Every labelled sentence of the corpus files; unknown kinds are an error naming the file."""
    files = paths if paths is not None else sorted(ELEMENTS_DIR.glob("corpus-*.yaml"))
    out: list[LabelledSentence] = []
    for path in files:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
        for story in data.get("stories", []):
            for item in story.get("sentences", []):
                out.append(_labelled(item, f"{path.stem}:{story.get('id', '?')}", path, "stories"))
        for section in SECTIONS[1:]:
            for n, item in enumerate(data.get(section) or []):
                out.append(_labelled(item, f"{path.stem}:{section}:{n // 10}", path, section))
    return out


MESSAGES_DIR = ELEMENTS_DIR.parents[1] / "interview"  # candidate messages labelled with their intent
DECLINE_INTENTS = ("dont_know", "skip", "repeat")  # messages that give no answer: the decline head's 1s


def load_messages(paths: list[Path] | None = None) -> list[LabelledSentence]:
    """The candidate messages that decline to answer (the decline head's 1s) or answer (its 0s, with every corpus
    sentence); each intent file is one more author."""
    files = paths if paths is not None else sorted(MESSAGES_DIR.glob("intents-*.yaml"))
    out = []
    for path in files:
        items = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or []
        for n, item in enumerate(i for i in items if i.get("intent") in (*DECLINE_INTENTS, "answer")):
            section = "declines" if item["intent"] in DECLINE_INTENTS else "answers"
            out.append(LabelledSentence(text=str(item["text"]).strip(), kinds=frozenset(),
                                        group=f"{path.stem}:messages:{n // 10}", source=path.name, section=section))
    return out


def _labelled(item: dict[str, Any], group: str, path: Path, section: str) -> LabelledSentence:
    kinds = frozenset(item.get("kinds") or [])
    if unknown := kinds - set(LEARNED_KINDS):
        raise ValueError(f"{path.name}: unknown kinds {sorted(unknown)} in {str(item.get('text', ''))[:60]!r}")
    return LabelledSentence(text=str(item["text"]).strip(), kinds=kinds, group=group, source=path.name,
                            section=section)


SPECIFIC = "specific"  # the extra head: says something concrete (stories, targeted) rather than generic filler (vague)
DECLINED = "declined"  # the extra head: declines to answer ("Pass, pricing isn't my area"), from candidate messages
MESSAGE_SECTIONS = ("declines", "answers")  # candidate messages (no kind labels): declining, or answering


def _labels(sentences: list[LabelledSentence], head: str) -> tuple[np.ndarray, np.ndarray]:
    """Labels of one head and the mask of sentences it is fitted on."""
    if head == DECLINED:
        return np.asarray([s.section == "declines" for s in sentences], dtype=int), np.ones(len(sentences), dtype=bool)
    if head == SPECIFIC:
        mask = np.asarray([s.section in ("stories", "targeted", "vague") for s in sentences])
        return np.asarray([s.section != "vague" for s in sentences], dtype=int), mask
    mask = np.asarray([s.section not in MESSAGE_SECTIONS for s in sentences])
    return np.asarray([head in s.kinds for s in sentences], dtype=int), mask


def fit_kinds(sentences: list[LabelledSentence], vectors: np.ndarray, embedder_name: str,
              c: float = C) -> LogisticHeads:
    """The kind heads, and the specificity head when the corpus has vague sentences and the decline head when it has
    declining messages, fitted on `sentences`."""
    kinds = [k for k in LEARNED_KINDS if any(k in s.kinds for s in sentences)]
    if any(s.section == "vague" for s in sentences):
        kinds.append(SPECIFIC)
    if any(s.section == "declines" for s in sentences):
        kinds.append(DECLINED)
    meta = {"sentences": len(sentences), "sources": sorted({s.source for s in sentences}),
            "positives": {k: sum(k in s.kinds for s in sentences) for k in kinds}}
    return LogisticHeads.fit([s.text for s in sentences], vectors, embedder_name,
                             {k: _labels(sentences, k) for k in kinds}, meta, c)


FILLER_FILE = ELEMENTS_DIR / "filler.txt"
FILLER_RATIO, FILLER_MIN = 4.0, 4


def filler_stems(sentences: list[LabelledSentence]) -> list[str]:
    """Stems far more frequent in the corpus's generic filler than in its specific sentences ("holist", "align")."""
    from bot.grading.text import content_tokens, stem

    vague: dict[str, int] = {}
    specific: dict[str, int] = {}
    n_vague = n_specific = 0
    for sentence in sentences:
        if sentence.section == "negatives" or sentence.section in MESSAGE_SECTIONS:
            continue
        counts = vague if sentence.section == "vague" else specific
        for word in {stem(t) for t in content_tokens(sentence.text)}:
            counts[word] = counts.get(word, 0) + 1
        n_vague += sentence.section == "vague"
        n_specific += sentence.section != "vague"
    if not n_vague or not n_specific:
        return []
    ratio = {w: (n / n_vague) / ((specific.get(w, 0) + 1) / n_specific) for w, n in vague.items() if n >= FILLER_MIN}
    return sorted(w for w, r in ratio.items() if r >= FILLER_RATIO)


@lru_cache(maxsize=1)
def shipped_filler() -> frozenset[str]:
    """The filler stems written by `bench/fit_kinds.py` (empty when the file is missing)."""
    if not FILLER_FILE.exists():
        return frozenset()
    return frozenset(w for line in FILLER_FILE.read_text(encoding="utf-8").splitlines()
                     if not line.startswith("#") for w in line.split())


@lru_cache(maxsize=1)
def kind_meanings() -> dict[str, str]:
    """What a sentence must do to show each kind, in words (prompts/grading/elements/kinds.yaml)."""
    data = yaml.load((ELEMENTS_DIR / "kinds.yaml").read_text(encoding="utf-8"), Loader=_LOADER) or {}
    return {kind: str(entry.get("meaning", "")) for kind, entry in data.items() if entry.get("meaning")}


def model_path(embedder_name: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in embedder_name)
    return ELEMENTS_DIR / f"model-{safe}.npz"


_fitted: dict[str, LogisticHeads] = {}
_lock = threading.Lock()


RUNTIME_FIT_SENTENCES = 2500  # an embedder with no shipped model gets one fitted on this many corpus sentences


def kind_model_for(embedder: SentenceEmbedder) -> LogisticHeads:
    """The shipped model for this embedder, else one fitted now on (an even sample of) the corpus with it, once per
    process: `bench/fit_kinds.py` ships the full model for the default embedder."""
    with _lock:
        if embedder.name in _fitted:
            return _fitted[embedder.name]
        path = model_path(embedder.name)
        model = LogisticHeads.load(path) if path.exists() else None
        if model is None or model.dim != embedder.dim:
            corpus = [*load_corpus(), *load_messages()]
            corpus = corpus[:: max(1, -(-len(corpus) // RUNTIME_FIT_SENTENCES))]
            model = fit_kinds(corpus, embedder.embed([s.text for s in corpus]), embedder.name)
        _fitted[embedder.name] = model
        return model
