"""Feedback reports of an interview session: a pure `Report` model rendered as Markdown, HTML or PDF."""

from __future__ import annotations

from typing import Literal

from bot.reports.model import Report, build_report, describe_engines

Format = Literal["md", "html", "pdf"]
FORMATS: tuple[Format, ...] = ("md", "html", "pdf")


def render(report: Report, fmt: Format) -> bytes:
    """The report in `fmt`: UTF-8 Markdown or HTML text, or PDF bytes."""
    if fmt == "md":
        from bot.reports.markdown import render_markdown

        return render_markdown(report).encode("utf-8")
    if fmt == "html":
        from bot.reports.html import render_html

        return render_html(report).encode("utf-8")
    if fmt == "pdf":
        from bot.reports.pdf import render_pdf

        return render_pdf(report)
    raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")


__all__ = ["FORMATS", "Format", "Report", "build_report", "describe_engines", "render"]
