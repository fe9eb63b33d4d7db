"""The grounded variant generator: deterministic rewrites of a bank question driven by the lexicon."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.models import Question, stable_id
from bot.ingest.parsers import company_from_text, title_from_question
from bot.variants.lexicon import Domain, Lexicon, Setting, default_lexicon
from bot.variants.models import Axis, OutlinePoint, Provenance, Variant
from bot.variants.rewrite import (
    core_ask,
    drop_clauses,
    drop_parentheticals,
    join_words,
    lower_title,
    split_sentences,
    strip_constraints,
    swap_brands,
    swap_entities,
    swap_products,
    task_of,
    tidy,
)
from bot.variants.wellformed import looks_like_code

MAX_POINTS = 8
_CODE_SECTION = re.compile(r"\bcode\b|\bpython\b|\bpyspark\b|\bsql query\b", re.IGNORECASE)
_CODE_LINE = re.compile(r"^\s*(?:#|import\b|from\s+\S+\s+import\b|def\b|class\b|return\b|print\(|@"
                        r"|[\w.\[\]'\"]+\s*[+*/-]?=[^=])|\b(?:np|pd|sklearn|self)\.|[{}]\s*$|[│┌└┐┘▼▲├┤─]")
_STAR_TITLE = re.compile(r"\b(?:situation|task|action|results?|star|quick answer|why this works)\b", re.IGNORECASE)


def parent_format(question: Question) -> str:
    """The format a bank question is in: behavioral, metric (analytics) or design (everything else)."""
    if question.category == "behavioral":
        return "behavioral"
    return "metric" if question.category == "analytics_experimentation" else "design"


def _condense(text: str, limit: int = 420) -> str:
    """A section's text as one paragraph of whole lines, at most about `limit` characters."""
    lines = [re.sub(r"^\s*(?:[-•*]|\d{1,2}[.)])\s*", "", line).strip() for line in text.splitlines()
             if not _CODE_LINE.search(line) and not looks_like_code(line)]
    out: list[str] = []
    for line in (x for x in lines if x):
        if out and len("; ".join([*out, line])) > limit:
            break
        out.append(line.rstrip(".;"))
    joined = "; ".join(out)
    return joined if len(joined) <= limit + 80 else joined[:limit].rsplit(" ", 1)[0] + " …"


def parent_outline(question: Question) -> list[OutlinePoint]:
    """The parent's reference as outline points: its sections (code listings skipped), else its key points."""
    condensed = [(s.title, _condense(s.text)) for s in question.sections if not _CODE_SECTION.search(s.title)]
    points = [OutlinePoint(title=title, text=text) for title, text in condensed if text and title.strip()]
    if not points:
        for key_point in question.key_points:
            title, _, text = key_point.partition(":")
            points.append(OutlinePoint(title=title.strip()[:80] or "Key point", text=(text or key_point).strip()))
    if not points and question.reference_answer.strip():
        points.append(OutlinePoint(title="Reference answer", text=_condense(question.reference_answer, 600)))
    return points[:MAX_POINTS]


def topics_of(points: list[OutlinePoint]) -> list[str]:
    """Outline titles usable as words in a sentence: no STAR scaffolding, no questions, no long headings."""
    titles = [lower_title(p.title) for p in points
              if not _STAR_TITLE.search(p.title) and not p.title.rstrip().endswith("?")]
    return [t for t in dict.fromkeys(titles) if t and len(t.split()) <= 6]


@dataclass
class ParentContext:
    """What every axis needs to know about the parent question."""

    question: Question
    domain_name: str
    domain: Domain
    format: str
    core: str
    kinds: list[str]
    outline: list[OutlinePoint]

    @classmethod
    def of(cls, question: Question, lexicon: Lexicon) -> ParentContext:
        name = lexicon.detect_domain(question.title, question.question, question.reference_answer)
        return cls(question=question, domain_name=name, domain=lexicon.domains[name], format=parent_format(question),
                   core=core_ask(question.question), kinds=lexicon.constraint_kinds(question.question),
                   outline=parent_outline(question) or [OutlinePoint(title="Answer", text=question.question)])

    def topics(self) -> list[str]:
        """The outline's titles as words, without the STAR scaffolding of a sample story."""
        return topics_of(self.outline)

    def focus(self, count: int = 3) -> str:
        return join_words(self.topics()[:count]) or "the main decisions and their trade-offs"


def _pick(options: list[str], seed: int, parent_id: str, axis: str, round_: int) -> str:
    """A deterministic choice: the same seed and parent give the same picks; each round moves to the next one."""
    offset = int(stable_id(str(seed), parent_id, axis, length=8), 16)
    return options[(offset + round_) % len(options)]


class GroundedGenerator:
    """Offline, deterministic variants: the same parent, axes and seed always give the same variants."""

    engine = "grounded"

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon or default_lexicon()
        self._builders: dict[Axis, Callable[[ParentContext, int, int], Variant | None]] = {
            "domain": self._domain, "harder": self._harder, "easier": self._easier,
            "constraint": self._constraint, "format": self._format,
        }

    def generate(self, parent: Question, n: int, axes: list[Axis], seed: int = 0) -> list[Variant]:
        """Up to `n` distinct variants, cycling through `axes` (later rounds take the lexicon's next choices)."""
        ctx = ParentContext.of(parent, self.lexicon)
        seen = {parent.question.strip().lower()}
        out: list[Variant] = []
        for attempt in range(max(n, 0) * 3):
            if len(out) >= n:
                break
            axis = axes[attempt % len(axes)]
            variant = self._builders[axis](ctx, attempt // len(axes), seed)
            if variant is not None and variant.question.lower() not in seen:
                seen.add(variant.question.lower())
                out.append(variant)
        return out

    # --- the axes -------------------------------------------------------------------------------------------

    def _variant(self, ctx: ParentContext, axis: Axis, text: str, outline: list[OutlinePoint], change: str, *,
                 category: str | None = None, difficulty: str | None = None, company: str | None = None) -> Variant:
        question = tidy(text)
        return Variant(
            question=question, title=title_from_question(question), outline=outline,
            category=category or ctx.question.category, difficulty=difficulty or ctx.question.difficulty,
            company=ctx.question.company if company is None else company, role=ctx.question.role,
            provenance=Provenance(parent_id=ctx.question.id, parent_title=ctx.question.title, axis=axis,
                                  engine="grounded", change=change),
        )

    def _brands(self, ctx: ParentContext) -> list[str]:
        names = {ctx.question.company, company_from_text(ctx.question.question)} - {""}
        return [alias for name in names for alias in self.lexicon.brands.get(name, [name])]

    def _swap(self, text: str, brands: list[str], setting: Setting) -> str:
        details = [d for name, items in self.lexicon.brand_details.items() if set(items) & set(brands) or
                   name in brands for d in items]
        text = drop_parentheticals(text, "|".join(re.escape(b) for b in [*brands, *details]) or r"$^")
        for name, products in self.lexicon.brand_products.items():
            if name in brands:
                text = swap_products(text, products)
        return tidy(swap_brands(swap_entities(text, self.lexicon, setting), brands, setting))

    def _domain(self, ctx: ParentContext, round_: int, seed: int) -> Variant | None:
        if ctx.format == "behavioral":
            return self._behavioral_domain(ctx, round_, seed)
        name = _pick(ctx.domain.settings, seed, ctx.question.id, "domain", round_)
        setting = self.lexicon.settings[name]
        brands = self._brands(ctx)
        text = self._swap(self._swappable(ctx), brands, setting)
        outline = [OutlinePoint(title=self._swap(p.title, brands, setting), text=self._swap(p.text, brands, setting))
                   for p in ctx.outline]
        if company_from_text(text) or text == tidy(ctx.question.question):
            text = self._compose(ctx, ctx.format, 0, setting.org)  # nothing to move, or a brand the lexicon lacks
        if company_from_text(text + " ".join(p.line() for p in outline)):
            return None
        change = f"{ctx.question.company or 'the original setting'} → {setting.org}"
        return self._variant(ctx, "domain", text, outline, change, company="")

    def _swappable(self, ctx: ParentContext) -> str:
        """The parent text a domain swap rewrites: sentences naming other companies dropped, and for a long parent
        only its core ask and its closing question (a swap of a long text changes too few words to be new)."""
        own = ctx.question.company
        kept = [s for s in split_sentences(ctx.question.question) if company_from_text(s) in ("", own)]
        if sum(len(s.split()) for s in kept) > 60:
            core = core_ask(" ".join(kept))
            closing = next((s for s in reversed(kept) if s.endswith("?") and s not in core), "")
            kept = [core, closing]
        return " ".join(s for s in kept if s)

    def _behavioral_domain(self, ctx: ParentContext, round_: int, seed: int) -> Variant | None:
        """A behavioral prompt keeps its ask and moves the story to another line of work."""
        others = [n for n in self.lexicon.domains if n not in (ctx.domain_name, "general")]
        name = _pick(others, seed, ctx.question.id, "domain", round_)
        domain = self.lexicon.domains[name]
        setting = self.lexicon.settings[domain.settings[0]]
        brands = self._brands(ctx)
        core = self._swap(ctx.core, brands, setting)
        text = f"{core} Answer with an example from work on {domain.system}, ideally somewhere like {setting.org}."
        outline = [OutlinePoint(title=self._swap(p.title, brands, setting), text=self._swap(p.text, brands, setting))
                   for p in ctx.outline]
        if company_from_text(text + " ".join(p.line() for p in outline)):
            return None
        return self._variant(ctx, "domain", text, outline, f"story moved to {domain.system} ({setting.org})",
                             company="")

    def _applicable(self, ctx: ParentContext) -> list[str]:
        design = ctx.format == "design" or ctx.question.category == "ml_system_design"
        return [k for k in self.lexicon.constraints if design or k != "latency"]

    def _harder(self, ctx: ParentContext, round_: int, seed: int) -> Variant | None:
        difficulty = self.lexicon.harder_level(ctx.question.difficulty, +1)
        if ctx.format == "behavioral":
            pool = self.lexicon.behavioral_constraints
            start = int(stable_id(str(seed), ctx.question.id, "harder", length=8), 16) + round_
            a, b = pool[start % len(pool)], pool[(start + 1) % len(pool)]
            text = f"{ctx.core} Choose a case where {a.harder} and {b.harder}. What did you do, and how did it end?"
            points = [OutlinePoint(**a.point), OutlinePoint(**b.point)]
            change = f"added: {a.harder}; {b.harder}"
        else:
            fresh = [k for k in self._applicable(ctx) if k not in ctx.kinds] or self._applicable(ctx)
            first = _pick(fresh, seed, ctx.question.id, "harder", round_)
            second = fresh[(fresh.index(first) + 1) % len(fresh)]
            kinds = list(dict.fromkeys([first, second]))
            picked = [self.lexicon.constraints[k] for k in kinds]
            musts = ", and ".join(f"it must {c.harder}" for c in picked)
            text = f"{ctx.core} Now make it harder: {musts}. What changes in your approach, and what would you " \
                   f"give up?"
            points = [OutlinePoint(**c.point) for c in picked]
            change = f"added {join_words(kinds)} constraints"
        return self._variant(ctx, "harder", text, [*ctx.outline[:6], *points], change, difficulty=difficulty)

    def _easier(self, ctx: ParentContext, round_: int, seed: int) -> Variant | None:
        difficulty = self.lexicon.harder_level(ctx.question.difficulty, -1)
        core = strip_constraints(ctx.core, self.lexicon)
        core = drop_clauses(core, r",\s+(?:considering|especially|including|while)\b")  # drop the qualifiers
        start = round_ % max(1, len(ctx.outline) - 1)
        kept = ctx.outline[start:start + 4] or ctx.outline[:4]
        focus = join_words(topics_of(kept)[:2]) or "the core approach"
        tail = ("Keep it to one example: what you did yourself and the measurable result." if ctx.format == "behavioral"
                else f"Keep it simple and focus on {focus}.")
        return self._variant(ctx, "easier", f"{core} {tail}", kept, "fewer constraints, narrower scope",
                             difficulty=difficulty)

    def _constraint(self, ctx: ParentContext, round_: int, seed: int) -> Variant | None:
        if ctx.format == "behavioral":
            pool = self.lexicon.behavioral_constraints
            item = pool[(int(stable_id(str(seed), ctx.question.id, "constraint", length=8), 16) + round_) % len(pool)]
            return self._variant(ctx, "constraint", f"{ctx.core} {item.change}",
                                 [*ctx.outline[:6], OutlinePoint(**item.point)], item.change)
        present = [k for k in ctx.kinds if k in self._applicable(ctx)]
        kind = _pick(present or self._applicable(ctx), seed, ctx.question.id, "constraint", round_)
        constraint = self.lexicon.constraints[kind]
        core = strip_constraints(ctx.core, self.lexicon, [kind])
        text = f"{core} One thing is different: {constraint.change[0].lower()}{constraint.change[1:]} How would " \
               f"you adapt your approach?"
        kept = [p for p in ctx.outline if not re.search(constraint.detect, p.title, re.IGNORECASE)][:6]
        return self._variant(ctx, "constraint", text, [*kept, OutlinePoint(**constraint.relaxed)],
                             f"{kind} constraint changed")

    def _compose(self, ctx: ParentContext, fmt: str, round_: int, org: str, task: str | None = None) -> str:
        """A question in format `fmt` about the parent's task (or, when it cannot be read, its domain)."""
        wording = self.lexicon.formats[fmt].questions if task else self.lexicon.formats[fmt].fallback
        template = wording[round_ % len(wording)]
        return template.format(**self._fields(ctx, org), task=task or "")

    def _fields(self, ctx: ParentContext, org: str) -> dict[str, str]:
        d = ctx.domain
        return {"system": d.system, "the_system": d.the_system, "work": d.work, "org": org, "metric": d.metric,
                "incident": d.incident, "focus": ctx.focus()}

    def _task(self, ctx: ParentContext) -> str | None:
        task = task_of(ctx.question.question)
        if not task:
            return None
        task = strip_constraints(task, self.lexicon).rstrip(" ,;:")
        return task[:1].lower() + task[1:] if len(task.split()) >= 3 else None

    def _format(self, ctx: ParentContext, round_: int, seed: int) -> Variant | None:
        targets = [f for f in ("design", "behavioral", "metric") if f != ctx.format]
        target = _pick(targets, seed, ctx.question.id, "format", round_)
        org = ctx.question.company or "your company"
        text = self._compose(ctx, target, round_ // len(targets), org, self._task(ctx))
        fmt = self.lexicon.formats[target]
        fields = self._fields(ctx, org)
        outline = [OutlinePoint(title=p["title"], text=p["text"].format(**fields)) for p in fmt.outline]
        return self._variant(ctx, "format", text, outline, f"{ctx.format} → {target}", category=fmt.category)
