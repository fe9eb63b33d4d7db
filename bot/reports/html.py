"""The report as one self-contained HTML file: inline CSS (with print rules), the chart as inline SVG, no assets.

Every piece of candidate or reference text goes through `esc`, so an answer containing markup shows as text.
"""

from __future__ import annotations

from html import escape

from bot.reports.chart import radar_svg
from bot.reports.model import PracticeItem, QuestionReport, Report, cite

CSS = """
:root { --ink: #111827; --muted: #6b7280; --line: #e5e7eb; --accent: #2563eb; --good: #15803d; --bad: #b91c1c; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink);
       max-width: 880px; margin: 2rem auto; padding: 0 1.25rem; }
h1 { font-size: 1.7rem; margin-bottom: .25rem; } h2 { font-size: 1.3rem; margin-top: 2.2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
.meta { color: var(--muted); } dl.header { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; }
dl.header dt { font-weight: 600; } dl.header dd { margin: 0; }
.score { font-size: 2.4rem; font-weight: 700; color: var(--accent); }
figure { margin: .5rem 0 1rem; text-align: center; }
figure svg { width: 600px; max-width: 100%; height: auto; }
table.dims { width: auto; min-width: 60%; }
blockquote { margin: .4rem 0 .8rem; padding: .5rem .8rem; border-left: 4px solid var(--line); background: #f9fafb;
             white-space: pre-wrap; overflow-wrap: anywhere; }
blockquote.interviewer { border-left-color: #93c5fd; background: #eff6ff; }
.label { font-weight: 600; font-size: .9rem; margin-top: .6rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; margin: .4rem 0 1rem; }
th, td { border: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f4f6; }
td.num { white-space: nowrap; text-align: right; }
.flag { border: 1px solid #fecaca; background: #fef2f2; color: var(--bad); padding: .5rem .8rem; border-radius: 4px;
        font-weight: 600; margin: .5rem 0; }
ul.points { padding-left: 1.2rem; } ul.points li { margin-bottom: .35rem; }
.covered { color: var(--good); font-weight: 700; } .missing { color: var(--bad); font-weight: 700; }
.cite { color: var(--muted); font-size: .85rem; } code { font-size: .85em; }
section.question { border-top: 2px solid var(--line); }
.up { color: var(--good); } .down { color: var(--bad); }
@page { size: A4; margin: 16mm 14mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 11pt; }
  figure svg { width: 400px; }
  section.question { break-before: page; border-top: none; }
  blockquote, tr, .flag, figure, li { break-inside: avoid; }
  h2, h3, .label { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""

TREND_CLASS = {"↑": "up", "↓": "down"}


def esc(value: str) -> str:
    return escape(value, quote=True)


def _quote(value: str, css: str = "") -> str:
    attribute = f' class="{css}"' if css else ""
    return f"<blockquote{attribute}>{esc(value.strip())}</blockquote>"


def _meta(parts: list[str]) -> str:
    return " · ".join(esc(p) for p in parts if p)


def _header(report: Report) -> str:
    rows = [("Candidate", esc(report.candidate)), ("Date", esc(report.date)),
            ("Session", f"<code>{esc(report.session_id)}</code> ({esc(report.status)}, {report.graded} of "
                        f"{report.total} questions graded)")]
    rows += [(label, esc(", ".join(values))) for label, values in
             (("Company", report.companies), ("Role", report.roles), ("Category", report.categories)) if values]
    rows.append(("Engine", esc(report.engine)))
    header = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows)
    out = [f'<h1>Interview feedback report</h1><dl class="header">{header}</dl>']
    if report.overall is None:
        out.append("<p>No answer in this session has been graded yet.</p>")
        return "".join(out)
    table = "".join(f"<tr><td>{esc(d.name)}</td><td class=num>{d.mean:.1f}</td><td class=num>{d.count}</td></tr>"
                    for d in report.dimensions)
    out.append(f'<h2>Overall score</h2><div class="score">{report.overall:.1f}<span class="meta">/100</span></div>'
               '<figure aria-label="Radar chart of the mean score per rubric dimension">'
               f"{radar_svg(report.dimensions)}<figcaption class=meta>Mean score per rubric dimension across the "
               "graded answers (1–5).</figcaption></figure>"
               "<table class=dims><tr><th>Dimension</th><th>Mean (1–5)</th><th>Answers</th></tr>"
               f"{table}</table>")
    return "".join(out)


def _question(q: QuestionReport) -> str:
    out = [f'<section class="question"><h2>Question {q.number}: {esc(q.title)}</h2>']
    details = _meta([q.company, q.role, q.category, q.difficulty])
    out.append(f'<p class="meta">{details}{" · " if details else ""}<code>{esc(q.question_id)}</code></p>')
    out.append(_quote(q.text, "interviewer"))
    for entry in q.transcript:
        who = "Interviewer" if entry.speaker == "interviewer" else "You"
        out.append(f'<div class="label">{who} — {esc(entry.label.lower())}</div>')
        out.append(_quote(entry.text, "interviewer" if entry.speaker == "interviewer" else ""))
    if not q.transcript:
        out.append("<p><em>No answer was given.</em></p>")
    if q.grade is None:
        out.append("<p><em>Not graded.</em></p></section>")
        return "".join(out)
    g = q.grade
    out.append(f'<h3>Grade: {g.overall}/100</h3><p class="meta">Rubric <code>{esc(g.rubric)}</code> · engine '
               f"<code>{esc(g.engine)}</code></p>")
    out += [f'<div class="flag" data-flag="{esc(f.code)}">⚠ {esc(f.text)}</div>' for f in q.flags]
    rows = "".join(
        f"<tr><td>{esc(d.name)}</td><td class=num>{d.score}/5</td><td>{esc(d.justification)}</td><td>"
        + ("<br>".join(f"“{esc(e)}”" for e in d.evidence) or "—") + "</td></tr>" for d in g.dimensions)
    out.append("<table><tr><th>Dimension</th><th>Score</th><th>Justification</th><th>Evidence (your words)</th></tr>"
               f"{rows}</table>")
    for label, items in (("Covered key points", g.covered), ("Missing key points", g.missing)):
        if not items:
            continue
        lis = []
        for item in items:
            mark = '<span class="covered">✓</span>' if item.covered else '<span class="missing">✗</span>'
            said = f" — you said: “{esc(item.evidence)}”" if item.evidence else ""
            snippet = f": “{esc(item.citation.snippet)}”" if item.citation.snippet else ""
            lis.append(f"<li>{mark} {esc(item.key_point)}{said}<br><span class=cite>↳ reference "
                       f"<code>{esc(cite(item.citation))}</code>{snippet}</span></li>")
        out.append(f'<h3>{label}</h3><ul class="points">{"".join(lis)}</ul>')
    if q.model_answer_excerpt:
        out.append(f"<h3>Model answer (excerpt)</h3>{_quote(q.model_answer_excerpt)}")
    if q.improvements:
        out.append("<h3>Top improvements</h3><ol>" + "".join(f"<li>{esc(t)}</li>" for t in q.improvements) + "</ol>")
    out.append("</section>")
    return "".join(out)


def _plan_item(item: PracticeItem) -> str:
    parts = [f"<li><strong>{esc(item.name)}</strong> — mean {item.mean:.1f}/5<ul>"]
    if item.weakest:
        parts.append(f"<li>{esc(item.weakest)}</li>")
    if item.target:
        parts.append(f"<li>What a 5 looks like: {esc(item.target)}</li>")
    parts += [f"<li>Practise next: {esc(s.title)} <span class=meta>({_meta([s.company, s.role, s.category])})"
              f"</span> <code>{esc(s.id)}</code></li>" for s in item.questions]
    if not item.questions:
        parts.append("<li>No unseen bank question uses this dimension; re-answer the question above.</li>")
    return "".join(parts) + "</ul></li>"


def _footer(report: Report) -> str:
    out = []
    if report.plan:
        out.append('<section class="plan"><h2>Practice plan (weakest dimensions first)</h2><ol>'
                   + "".join(_plan_item(i) for i in report.plan) + "</ol></section>")
    if report.trends:
        rows = "".join(
            f"<tr><td>{esc(d.name)}</td><td class=num>{d.earlier_mean or 0:.1f} → {d.mean:.1f}</td>"
            f'<td class="{TREND_CLASS.get(d.arrow, "")}">{d.arrow}</td>'
            f"<td class=num>{d.earlier_count}</td></tr>" for d in report.trends)
        out.append(f"<section><h2>Trend versus earlier sessions ({report.earlier_sessions} earlier)</h2><table>"
                   f"<tr><th>Dimension</th><th>Earlier → now</th><th></th><th>Earlier answers</th></tr>{rows}"
                   "</table></section>")
    return "".join(out)


def render_html(report: Report) -> str:
    title = esc(f"Interview report — {report.candidate} — {report.date}")
    body = _header(report) + "".join(_question(q) for q in report.questions) + _footer(report)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>'
            f"<style>{CSS}</style></head><body>\n{body}\n</body></html>\n")
