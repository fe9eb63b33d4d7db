"""The report as Markdown (CommonMark): candidate and bank text renders literally, never as links, images or HTML."""

from __future__ import annotations

from bot.reports.inert import inert_inline, inert_markdown
from bot.reports.model import PracticeItem, QuestionReport, Report, cite

BAR_WIDTH = 5


def text(value: str) -> str:
    """Inline text (one line) that renders as typed wherever it is placed: a heading, a list item or a table cell."""
    return inert_inline(value)


def quote(value: str) -> str:
    """A block quote of `value`, line by line, with its line breaks kept and nothing inside it live."""
    return "\n".join(f"> {line}" for line in inert_markdown(value.strip()).split("\n"))


def bar(score: float, width: int = BAR_WIDTH) -> str:
    filled = round(score * 2) / 2
    return "█" * int(filled) + ("▌" if filled % 1 else "") + "░" * (width - int(filled + 0.5))


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def meta(parts: list[str]) -> str:
    return " · ".join(text(p) for p in parts if p)


def _header(report: Report) -> list[str]:
    lines = ["# Interview feedback report", "",
             f"- **Candidate:** {text(report.candidate)}",
             f"- **Date:** {report.date}",
             f"- **Session:** `{report.session_id}` ({report.status}, {report.graded} of {report.total} "
             f"questions graded)"]
    for label, values in (("Company", report.companies), ("Role", report.roles), ("Category", report.categories)):
        if values:
            lines.append(f"- **{label}:** {text(', '.join(values))}")
    lines += [f"- **Engine:** {text(report.engine)}", ""]
    if report.overall is None:
        return [*lines, "No answer in this session has been graded yet.", ""]
    lines += [f"## Overall score: {report.overall:.1f}/100", "",
              "Mean score per rubric dimension across the graded answers (1–5; the HTML and PDF reports draw it "
              "as a radar chart):", "",
              "| Dimension | Mean | | Answers |", "|---|---|---|---|"]
    lines += [f"| {text(d.name)} | {d.mean:.1f} | {bar(d.mean)} | {d.count} |" for d in report.dimensions]
    return [*lines, ""]


def _question(q: QuestionReport) -> list[str]:
    lines = [f"## Question {q.number}: {text(q.title)}", ""]
    details = meta([q.company, q.role, q.category, q.difficulty])
    lines += [f"*{details}* · `{q.question_id}`" if details else f"`{q.question_id}`", "", quote(q.text), ""]
    for entry in q.transcript:
        who = "Interviewer" if entry.speaker == "interviewer" else "You"
        lines += [f"**{who} — {entry.label.lower()}:**", "", quote(entry.text), ""]
    if not q.transcript:
        lines += ["*No answer was given.*", ""]
    if q.grade is None:
        return [*lines, "*Not graded.*", ""]
    g = q.grade
    lines += [f"### Grade: {g.overall}/100", "", f"Rubric `{g.rubric}` · engine `{g.engine}`", ""]
    lines += [f"> **⚠ {text(flag.text)}**" for flag in q.flags]
    if q.flags:
        lines.append("")
    lines += ["| Dimension | Score | Justification | Evidence (your words) |", "|---|---|---|---|"]
    lines += [f"| {text(d.name)} | {d.score}/5 | {text(d.justification)} | "
              f"{'; '.join('“' + text(e) + '”' for e in d.evidence) or '—'} |" for d in g.dimensions]
    lines.append("")
    for label, items in (("Covered key points", g.covered), ("Missing key points", g.missing)):
        if not items:
            continue
        lines += [f"**{label}**", ""]
        for item in items:
            mark = "✓" if item.covered else "✗"
            said = f" — you said: “{text(item.evidence)}”" if item.evidence else ""
            snippet = f": “{text(item.citation.snippet)}”" if item.citation.snippet else ""
            lines.append(f"- {mark} {text(item.key_point)}{said}  \n  ↳ reference {text(cite(item.citation))}"
                         f"{snippet}")
        lines.append("")
    if q.model_answer_excerpt:
        lines += ["**Model answer (excerpt)**", "", quote(q.model_answer_excerpt), ""]
    if q.improvements:
        lines += ["**Top improvements**", ""]
        lines += [f"{i}. {text(tip)}" for i, tip in enumerate(q.improvements, start=1)]
        lines.append("")
    return lines


def _plan_item(number: int, item: PracticeItem) -> list[str]:
    lines = [f"{number}. **{text(item.name)}** — mean {item.mean:.1f}/5"]
    if item.weakest:
        lines.append(f"   - {text(item.weakest)}")
    if item.target:
        lines.append(f"   - What a 5 looks like: {text(item.target)}")
    for s in item.questions:
        lines.append(f"   - Practise next: {text(s.title)} ({meta([s.company, s.role, s.category])}) `{s.id}`")
    if not item.questions:
        lines.append("   - No unseen bank question uses this dimension; re-answer the question above.")
    return lines


def _footer(report: Report) -> list[str]:
    lines: list[str] = []
    if report.plan:
        lines += ["## Practice plan (weakest dimensions first)", ""]
        for i, item in enumerate(report.plan, start=1):
            lines += _plan_item(i, item)
        lines.append("")
    if report.trends:
        lines += [f"## Trend versus earlier sessions ({report.earlier_sessions} earlier)", ""]
        lines += [f"- {text(d.trend)} (earlier: {plural(d.earlier_count, 'answer')})" for d in report.trends]
        lines.append("")
    return lines


def render_markdown(report: Report) -> str:
    lines = _header(report)
    for q in report.questions:
        lines += _question(q)
    lines += _footer(report)
    return "\n".join(lines).rstrip() + "\n"
