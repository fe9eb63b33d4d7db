"""Answers in another language than the reference: detected, graded on what can be graded and flagged `language`
(never silently off topic or too short); the interviewer asks once for the bank's language; the PDF shows CJK text
with a system font, or says which characters it could not show."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.domain.interview import SessionConfig, Turn
from bot.grading import language
from bot.grading.grounded import GroundedGrader
from bot.grading.service import GradingService
from bot.ingest.pipeline import ingest
from bot.interview.interviewer import Interviewer
from bot.reports import pdf
from bot.reports.service import report_bytes
from bot.retrieval.store import ChromaStore
from bot.storage.repository import SessionRepository
from tests.fakes import HashingEmbedder
from tests.unit.test_reports import BANK, FakeStore, make_grade, pdf_text

FRAUD = {"title": "Fraud model", "category": "ml_system_design",
         "question": "How would you build a model to catch fraudulent card payments?",
         "reference_answer": "Imbalance:\n- Fraud is rare, so weight the classes and choose the threshold from the "
                             "cost of each error.\nFeatures:\n- Device fingerprint, order velocity and address "
                             "changes.\nRollout:\n- Shadow mode first, then watch precision and recall."}
CHINESE = ("我会先处理类别不平衡：欺诈只占交易的千分之一，所以用类别权重训练梯度提升树，并按每种错误的成本选择阈值。"
           "特征包括设备指纹、下单速度和收货地址变化。上线前先用影子模式跑两周，监控精确率和召回率。")
SPANISH = ("Primero trataría el desbalance: el fraude es muy raro, así que entrenaría un modelo con pesos de clase y "
           "elegiría el umbral según el coste de cada error. Lo lanzaría en modo sombra dos semanas.")
ENGLISH = ("Fraud is rare, so I'd weight the classes and set the cut-off from what each mistake costs; device "
           "fingerprints and how fast orders come in would be my first features.")


@pytest.mark.parametrize(("text", "code"), [
    (ENGLISH, "en"), (SPANISH, "es"), (CHINESE, "zh"),
    ("不正検知では、まずクラスの不均衡を扱い、コストに基づいてしきい値を決めます。", "ja"),
    ("Я бы начал с дисбаланса классов и выбрал порог по стоимости каждой ошибки.", "ru"),
    ("J'utiliserais un modèle de boosting avec des poids de classe et un seuil choisi selon le coût.", "fr"),
])
def test_the_language_of_an_answer_is_detected(text: str, code: str) -> None:
    found = language.detect(text)
    assert found is not None and found.code == code


@pytest.mark.parametrize("text", ["SHAP?", "AUC-PR, XGBoost", "42", "Maybe SHAP values for the investigators?",
                                  "- AUC-PR on holdout; threshold via cost matrix; SHAP; Kafka; Flink"])
def test_short_or_jargon_text_is_never_called_another_language(text: str) -> None:
    assert language.detect(text) in (None, language.Language("en", 1.0))


@pytest.fixture
def service(tmp_path: Path) -> GradingService:
    embedder = HashingEmbedder()
    store = ChromaStore.open(path=tmp_path / "index", embedder_name=embedder.name, dim=embedder.dim)
    (tmp_path / "bank.json").write_text(json.dumps([FRAUD]), encoding="utf-8")
    ingest([tmp_path / "bank.json"], store, embedder)
    return GradingService(store=store, embedder=embedder, grounded=GroundedGrader(embedder))


@pytest.mark.parametrize(("answer", "languages"), [(CHINESE, "Chinese/English"), (SPANISH, "Spanish/English")])
def test_an_answer_in_another_language_is_flagged_language_not_off_topic(service: GradingService, answer: str,
                                                                         languages: str) -> None:
    grade = service.grade(service.store.questions()[0], answer)
    assert "language" in grade.flags and grade.language == languages
    assert not {"off_topic", "too_short", "non_answer"} & set(grade.flags)


def test_english_answers_keep_their_caps_and_get_no_language_flag(service: GradingService) -> None:
    question = service.store.questions()[0]
    good = service.grade(question, ENGLISH)
    short = service.grade(question, "Weight the classes.")
    assert "language" not in good.flags + short.flags and good.language == short.language == ""
    assert "too_short" in short.flags or "non_answer" in short.flags


def test_the_flag_text_names_both_languages() -> None:
    from bot.reports.model import flag_text

    text = flag_text("language", "Chinese/English")
    assert "in Chinese, not in English" in text and "no length or off-topic cap" in text


def test_the_interviewer_asks_once_for_an_answer_in_the_banks_language(service: GradingService,
                                                                      tmp_path: Path) -> None:
    interviewer = Interviewer(repo=SessionRepository(f"sqlite:///{tmp_path / 's.db'}"), grading=service)
    session, _ = interviewer.start("li", service.store.questions(), depth=1)
    first = interviewer.respond(session.id, CHINESE)
    assert [t.kind for t in first] == ["clarification"]
    assert "same answer in English" in first[0].text and "Chinese" in first[0].text
    again = interviewer.respond(session.id, CHINESE)  # asked once: the interview goes on
    assert "same answer in English" not in " ".join(t.text for t in again)


@pytest.fixture
def chinese_report(tmp_path: Path) -> Iterator[Callable[[], bytes]]:
    """A graded session in Chinese (with an emoji no font here has), rendered as PDF when called."""
    repo = SessionRepository(f"sqlite:///{tmp_path / 'r.db'}")
    session = repo.create_session(SessionConfig(user="李雷", question_ids=["q-fraud"]))
    for role, kind, text in (("interviewer", "question", "Fraud detection design: walk me through it."),
                             ("candidate", "answer", CHINESE + " 🧪")):
        repo.append_turn(session.id, Turn.model_validate({"role": role, "kind": kind, "text": text,
                                                          "question_id": "q-fraud"}))
    repo.save_grade(session.id, "q-fraud", make_grade(
        "q-fraud", "ml_system_design", 20, {"coverage": 2, "depth": 2, "tradeoffs": 1, "structure": 2},
        ("Class imbalance", "Handle class imbalance"), ("Explainability for legal", "Explain decisions"),
        "类别权重", flags=["language"]).model_copy(update={"language": "Chinese/English"}))
    try:
        yield lambda: report_bytes(session.id, repo, FakeStore(list(BANK)), "pdf")
    finally:
        repo.close()


def test_the_pdf_shows_chinese_with_a_system_font_and_names_what_it_cannot_show(
        chinese_report: Callable[[], bytes], tmp_path: Path) -> None:
    if not any(path.is_file() for path in pdf.FALLBACK_FONTS):
        pytest.fail("no CJK font is installed: run `make system-deps` (fonts-droid-fallback)")
    text = pdf_text(chinese_report(), tmp_path)
    assert "欺诈只占交易的千分之一" in text.replace(" ", "") and "李雷" in text
    assert "cannot show 1 character(s)" in text and "U+1F9EA" in text  # the emoji: no font here has it
    assert "in Chinese, not in English" in text


def test_without_a_cjk_font_the_pdf_marks_and_names_every_character_it_cannot_show(
        chinese_report: Callable[[], bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "FALLBACK_FONTS", ())
    text = pdf_text(chinese_report(), tmp_path)
    assert re.search(r"cannot show \d{2,} character\(s\) of the report, drawn as □", text) and "□□" in text
    assert "欺诈" not in text and "U+1F9EA" not in text  # only the first eight, in code point order, are named
