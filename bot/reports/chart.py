"""The radar chart of a session's rubric dimensions (matplotlib Agg, no pyplot state, same input → same bytes)."""

from __future__ import annotations

import io
import re
import textwrap
from dataclasses import dataclass
from typing import Any, cast

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.projections.polar import PolarAxes

from bot.reports.model import DimensionSummary

SCALE = (1, 5)
COLOUR = "#2563eb"
EARLIER = "#9ca3af"
_SVG_PROLOGUE = re.compile(r"\A.*?(?=<svg)", re.DOTALL)
_SVG_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)


@dataclass(frozen=True)
class Chart:
    png: bytes
    svg: str  # an <svg> element, without the XML prologue, ready to inline in HTML


def _label(name: str) -> str:
    return "\n".join(textwrap.wrap(name, 18)) or name


def _figure(dimensions: list[DimensionSummary]) -> Figure:
    fig = Figure(figsize=(6.2, 5.0), dpi=100)
    FigureCanvasAgg(fig)
    names = [_label(d.name) for d in dimensions]
    now = [d.mean for d in dimensions]
    earlier = [d.earlier_mean for d in dimensions]
    if len(dimensions) < 3:  # a radar needs three axes; fall back to bars
        ax = fig.add_subplot()
        ax.barh(names, now, color=COLOUR, height=0.5)
        ax.set_xlim(0, SCALE[1])
        ax.invert_yaxis()
        for y, value in enumerate(now):
            ax.text(value + 0.08, y, f"{value:.1f}", va="center")
        ax.set_title("Mean score per dimension (1–5)")
        fig.tight_layout()
        return fig
    angles = np.linspace(0, 2 * np.pi, len(dimensions), endpoint=False)
    loop = np.append(angles, angles[0])
    # a fixed layout with room for two-line labels on every side (tight bounding boxes cost a second draw)
    ax = cast(PolarAxes, fig.add_axes((0.22, 0.12, 0.56, 0.76), projection="polar"))
    ax.set_theta_offset(np.pi / 2)
    ax.set_theta_direction(-1)
    ax.set_ylim(0, SCALE[1])
    ax.set_yticks(range(SCALE[0], SCALE[1] + 1))
    ax.set_yticklabels([str(v) for v in range(SCALE[0], SCALE[1] + 1)], color="#6b7280", fontsize=7)
    ax.set_rlabel_position(180 / len(dimensions))  # ring numbers between the first two axes
    ax.set_xticks(angles)
    ax.set_xticklabels(names)
    ax.tick_params(axis="x", pad=10)
    for label, angle in zip(ax.get_xticklabels(), angles, strict=True):  # angles run clockwise from the top
        side = np.sin(angle)
        label.set_horizontalalignment("left" if side > 0.1 else "right" if side < -0.1 else "center")
    if all(e is not None for e in earlier):
        before = [float(e) for e in earlier if e is not None]
        ax.plot(loop, before + before[:1], color=EARLIER, linestyle="--", linewidth=1.2, label="Earlier sessions")
    elif any(e is not None for e in earlier):
        known = [(a, e) for a, e in zip(angles, earlier, strict=True) if e is not None]
        ax.plot([a for a, _ in known], [e for _, e in known], linestyle="none", marker="o", markersize=5,
                color=EARLIER, label="Earlier sessions")
    ax.plot(loop, now + now[:1], color=COLOUR, linewidth=2, label="This session")
    ax.fill(loop, now + now[:1], color=COLOUR, alpha=0.18)
    for angle, value in zip(angles, now, strict=True):
        ax.text(angle, min(value + 0.55, SCALE[1] - 0.2), f"{value:.1f}", ha="center", va="center", fontsize=8,
                color=COLOUR, fontweight="bold",
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    if any(e is not None for e in earlier):
        fig.legend(loc="lower right", fontsize=7, frameon=False)
    return fig


def _rc() -> Any:
    return matplotlib.rc_context({"svg.hashsalt": "mockinterview-report", "svg.fonttype": "path",
                                  "font.family": "DejaVu Sans", "font.size": 9})


def radar_png(dimensions: list[DimensionSummary], dpi: int = 150) -> bytes:
    """The chart as PNG; the dashed line (or dots) shows earlier sessions' means where known."""
    with _rc():
        buffer = io.BytesIO()
        _figure(dimensions).savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def radar_svg(dimensions: list[DimensionSummary]) -> str:
    """The chart as an <svg> element to inline in HTML (text drawn as paths, no fonts or links needed)."""
    with _rc():
        buffer = io.StringIO()
        _figure(dimensions).savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return _SVG_METADATA.sub("", _SVG_PROLOGUE.sub("", buffer.getvalue()))


def radar(dimensions: list[DimensionSummary], dpi: int = 150) -> Chart:
    """Both forms of the chart (each renderer asks only for the one it embeds)."""
    return Chart(png=radar_png(dimensions, dpi), svg=radar_svg(dimensions))
