"""The report as PDF with fpdf2: DejaVu Sans from matplotlib's data, a system CJK font as fallback, page numbers."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from fpdf.util import Padding

from bot.reports.chart import radar_png
from bot.reports.model import PracticeItem, QuestionReport, Report, cite

FONT = "DejaVu"
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}  # each font costs ~0.2 s to parse
# Fonts with the Chinese, Japanese and Korean characters DejaVu lacks, loaded only for a report that has such
# characters; the first one installed is used (Debian: fonts-droid-fallback, fonts-noto-cjk, fonts-wqy-microhei).
FALLBACK_FONTS = (Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
                  Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
                  Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"))
FALLBACK = "Fallback"
UNSHOWN = "□"  # stands in for a character no font here has, so nothing disappears without a trace
INK, MUTED, ACCENT, GOOD, BAD = (17, 24, 39), (107, 114, 128), (37, 99, 235), (21, 128, 61), (185, 28, 28)
QUOTE_FILL, PROBE_FILL, FLAG_FILL = (243, 244, 246), (239, 246, 255), (254, 242, 242)
HEAD_FILL, STRIPE = (229, 231, 235), (249, 250, 251)
LINE = 5.0
QUOTE_PAD, FLAG_PAD = Padding(1.2, 2.5, 1.2, 2.5), Padding(1.5, 2.5, 1.5, 2.5)


class ReportPDF(FPDF):
    """A4 pages with "Page n of N" in the footer; `text` (all the report says) decides the fonts it needs, and
    `unshown` holds its characters that no font here has (each drawn as UNSHOWN)."""

    def __init__(self, title: str, text: str = "") -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        for style, name in FONT_FILES.items():
            self.add_font(FONT, style, str(FONT_DIR / name))
        self.unshown = self._uncovered(text)
        fallback = next((path for path in FALLBACK_FONTS if path.is_file()), None) if self.unshown else None
        if fallback is not None:
            self.add_font(FALLBACK, "", str(fallback))
            self.set_fallback_fonts([FALLBACK], exact_match=False)  # bold text too (the face has no bold)
            self.unshown = self._uncovered("".join(self.unshown))
        self.set_margins(16, 16, 16)
        self.set_auto_page_break(True, margin=18)
        self.set_title(title)
        self.set_author("mockinterview")
        self.set_creator("mockinterview")
        self.footer_text = title

    def _uncovered(self, text: str) -> set[str]:
        """The visible characters of `text` that none of the fonts loaded has."""
        maps = [font.cmap for font in self.fonts.values() if hasattr(font, "cmap")]
        return {ch for ch in set(text) if not ch.isspace() and unicodedata.category(ch)[0] != "C"
                and not any(ord(ch) in cmap for cmap in maps)}

    def normalize_text(self, text: str) -> str:
        if self.unshown:
            text = "".join(UNSHOWN if ch in self.unshown else ch for ch in text)
        return super().normalize_text(text)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 6, f"{self.footer_text}  ·  Page {self.page_no()} of {{nb}}", align="C")

    # -- building blocks -------------------------------------------------------------------------------------

    def style(self, size: float = 10, bold: bool = False, colour: tuple[int, int, int] = INK) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*colour)

    def keep(self, height: float) -> None:
        """Start a new page unless `height` mm still fit (keeps headings with what follows)."""
        if self.will_page_break(height):
            self.add_page()

    def para(self, text: str, size: float = 10, bold: bool = False, colour: tuple[int, int, int] = INK,
             gap: float = 1.5, indent: float = 0) -> None:
        self.style(size, bold, colour)
        self.set_x(self.l_margin + indent)
        self.multi_cell(self.epw - indent, LINE, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(gap)

    def heading(self, text: str, size: float = 14, space: float = 30) -> None:
        self.keep(space)
        self.ln(2)
        self.para(text, size=size, bold=True, gap=2)

    def quote(self, text: str, fill: tuple[int, int, int] = QUOTE_FILL) -> None:
        self.style(10)
        self.set_fill_color(*fill)
        self.set_draw_color(*MUTED)
        self.multi_cell(self.epw, LINE, text.strip() or "—", border="L", fill=True, align="L", padding=QUOTE_PAD,
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def label(self, text: str) -> None:
        self.keep(16)
        self.para(text, size=9, bold=True, colour=MUTED, gap=0.5)

    def flag(self, text: str) -> None:
        self.style(10, bold=True, colour=BAD)
        self.set_fill_color(*FLAG_FILL)
        self.set_draw_color(*BAD)
        self.multi_cell(self.epw, LINE, f"⚠ {text}", border=1, fill=True, align="L", padding=FLAG_PAD,
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def grid(self, header: tuple[str, ...], rows: list[tuple[str, ...]], widths: tuple[float, ...],
             size: float = 8.5) -> None:
        self.style(size)
        self.set_draw_color(209, 213, 219)
        self.set_fill_color(255, 255, 255)
        heading = FontFace(family=FONT, emphasis="BOLD", size_pt=size, fill_color=HEAD_FILL)
        with self.table(col_widths=widths, width=self.epw, line_height=4.2, text_align="LEFT",
                        headings_style=heading, padding=1, cell_fill_color=STRIPE, cell_fill_mode="ROWS") as table:
            head = table.row()
            for title in header:
                head.cell(title)
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(value)
        self.ln(2)


def _header(pdf: ReportPDF, report: Report) -> None:
    pdf.para("Interview feedback report", size=20, bold=True, gap=3)
    if pdf.unshown:
        shown = " ".join(f"U+{ord(ch):04X}" for ch in sorted(pdf.unshown)[:8])
        pdf.flag(f"This PDF cannot show {len(pdf.unshown)} character(s) of the report, drawn as {UNSHOWN} ({shown}"
                 f"{' …' if len(pdf.unshown) > 8 else ''}): no font on this server has them. The HTML and Markdown "
                 "reports show every character; for Chinese, Japanese and Korean, installing a CJK font (Debian: "
                 "fonts-noto-cjk or fonts-droid-fallback) lets the PDF show them too.")
    rows = [("Candidate", report.candidate), ("Date", report.date),
            ("Session", f"{report.session_id} ({report.status}, {report.graded} of {report.total} questions graded)")]
    rows += [(label, ", ".join(values)) for label, values in
             (("Company", report.companies), ("Role", report.roles), ("Category", report.categories)) if values]
    rows.append(("Engine", report.engine))
    for label, value in rows:
        pdf.style(10, bold=True)
        pdf.cell(26, LINE, label)
        pdf.style(10)
        pdf.multi_cell(pdf.epw - 26, LINE, value, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    if report.overall is None:
        pdf.para("No answer in this session has been graded yet.", colour=MUTED)
        return
    pdf.style(12, bold=True)
    pdf.cell(38, 12, "Overall score")
    pdf.style(26, bold=True, colour=ACCENT)
    pdf.cell(0, 12, f"{report.overall:.1f} / 100", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    width = 135.0
    pdf.image(io.BytesIO(radar_png(report.dimensions, dpi=200)), x=pdf.l_margin + (pdf.epw - width) / 2, w=width,
              alt_text="Radar chart of the mean score per rubric dimension")
    pdf.ln(2)
    pdf.grid(("Dimension", "Mean (1–5)", "Answers"),
             [(d.name, f"{d.mean:.1f}", str(d.count)) for d in report.dimensions], (110, 35, 33), size=9)


def _question(pdf: ReportPDF, q: QuestionReport) -> None:
    pdf.add_page()
    pdf.para(f"Question {q.number}: {q.title}", size=14, bold=True, gap=1)
    details = " · ".join(p for p in (q.company, q.role, q.category, q.difficulty) if p)
    pdf.para(f"{details}{' · ' if details else ''}{q.question_id}", size=8.5, colour=MUTED, gap=2)
    pdf.quote(q.text, PROBE_FILL)
    for entry in q.transcript:
        who = "Interviewer" if entry.speaker == "interviewer" else "You"
        pdf.label(f"{who} — {entry.label.lower()}")
        pdf.quote(entry.text, PROBE_FILL if entry.speaker == "interviewer" else QUOTE_FILL)
    if not q.transcript:
        pdf.para("No answer was given.", colour=MUTED)
    if q.grade is None:
        pdf.para("Not graded.", colour=MUTED)
        return
    g = q.grade
    pdf.heading(f"Grade: {g.overall}/100", size=12)
    pdf.para(f"Rubric {g.rubric} · engine {g.engine}", size=8.5, colour=MUTED, gap=2)
    for flag in q.flags:
        pdf.flag(flag.text)
    pdf.grid(("Dimension", "Score", "Justification", "Evidence (your words)"),
             [(d.name, f"{d.score}/5", d.justification, "\n".join(f"“{e}”" for e in d.evidence) or "—")
              for d in g.dimensions], (34, 14, 66, 64))
    for title, items, mark, colour in (("Covered key points", g.covered, "✓", GOOD),
                                       ("Missing key points", g.missing, "✗", BAD)):
        if not items:
            continue
        pdf.heading(title, size=11, space=24)
        for item in items:
            pdf.keep(14)
            pdf.style(10, bold=True, colour=colour)
            pdf.cell(5, LINE, mark)
            said = f" — you said: “{item.evidence}”" if item.evidence else ""
            pdf.style(10)
            pdf.multi_cell(pdf.epw - 5, LINE, f"{item.key_point}{said}", align="L", new_x=XPos.LMARGIN,
                           new_y=YPos.NEXT)
            snippet = f": “{item.citation.snippet}”" if item.citation.snippet else ""
            pdf.para(f"↳ reference {cite(item.citation)}{snippet}", size=8.5, colour=MUTED, gap=1.5, indent=5)
    if q.model_answer_excerpt:
        pdf.heading("Model answer (excerpt)", size=11, space=24)
        pdf.quote(q.model_answer_excerpt)
    if q.improvements:
        pdf.heading("Top improvements", size=11, space=24)
        for i, tip in enumerate(q.improvements, start=1):
            pdf.para(f"{i}. {tip}", gap=1)


def _plan_item(pdf: ReportPDF, number: int, item: PracticeItem) -> None:
    pdf.keep(24)
    pdf.para(f"{number}. {item.name} — mean {item.mean:.1f}/5", size=11, bold=True, gap=1)
    lines = [item.weakest] if item.weakest else []
    if item.target:
        lines.append(f"What a 5 looks like: {item.target}")
    for s in item.questions:
        details = ", ".join(p for p in (s.company, s.role, s.category) if p)
        lines.append(f"Practise next: {s.title} ({details}) {s.id}")
    if not item.questions:
        lines.append("No unseen bank question uses this dimension; re-answer the question above.")
    for line in lines:
        pdf.para(f"• {line}", size=9.5, gap=0.8, indent=5)
    pdf.ln(1.5)


def _footer(pdf: ReportPDF, report: Report) -> None:
    if not report.plan and not report.trends:
        return
    pdf.add_page()
    if report.plan:
        pdf.para("Practice plan (weakest dimensions first)", size=14, bold=True, gap=2)
        for i, item in enumerate(report.plan, start=1):
            _plan_item(pdf, i, item)
    if report.trends:
        pdf.heading(f"Trend versus earlier sessions ({report.earlier_sessions} earlier)")
        pdf.grid(("Dimension", "Earlier → now", "", "Earlier answers"),
                 [(d.name, f"{d.earlier_mean or 0:.1f} → {d.mean:.1f}", d.arrow, str(d.earlier_count))
                  for d in report.trends], (90, 40, 12, 36), size=9.5)


def render_pdf(report: Report) -> bytes:
    pdf = ReportPDF(f"Interview report — {report.candidate} — {report.date}", report.model_dump_json())
    pdf.set_creation_date(report.created_at)
    pdf.add_page()
    _header(pdf, report)
    for q in report.questions:
        _question(pdf, q)
    _footer(pdf, report)
    return bytes(pdf.output())
