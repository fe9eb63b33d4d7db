"""Parses an interview prompt into the parts and elements it asks for (pure text rules, no model)."""

from __future__ import annotations

import re
from functools import lru_cache

from bot.domain.elements import Element, PromptPart, PromptSpec
from bot.grading.text import prose_sentences, protect, restore

# Predicates that start an asked item ("…, ensure low false positive rates, and explain …").
_VERBS = """
account achieve adapt address align allow analyse analyze architect assess attribute automate avoid balance build
calculate capture catch choose communicate compare confirm consider convince decide defend define deliver demonstrate
deploy describe design detect determine develop diagnose differentiate distinguish drive enable ensure establish
estimate evaluate explain flag forecast generate get give guarantee handle help identify implement improve include
incorporate increase influence integrate justify keep maintain make manage measure minimize minimise mitigate
monitor optimize optimise outline plan predict present prevent prioritize prioritise process propose protect provide
quantify recommend reduce scale segment select separate serve set share show simplify socialize socialise specify
structure support tell test tie track train use validate walk win inform remain work run respond stay
""".split()
_VERB = r"(?:" + "|".join(sorted(_VERBS, key=len, reverse=True)) + r")(?:s|es|d|ed|ing)?"
_ADVERB = r"(?:(?:automatically|directly|quickly|reliably|clearly|continuously|accurately|efficiently)\s+)?"
_PREDICATE = re.compile(rf"^(?:and\s+|or\s+|then\s+)?(?:{_ADVERB}{_VERB}|are|is|be)\b", re.I)
_ATTACHED = re.compile(r"^(?:especially|particularly|while|when|where|without|with|given|because|so that|which|that|"
                       r"whose|who|and why|or why|why)\b", re.I)
_WH = r"(?:how|what|why|which|when|where|who|whether)"
_QUESTION_WORD = re.compile(rf"^(?:and\s+|or\s+)?{_WH}\b(?!\s+(?:needed|required|possible)\b)", re.I)
_ASK_START = re.compile(
    rf"^(?:{_WH}\b|{_VERB}\b|tell me|walk me|give me|talk me|share|list|discuss|outline|consider|imagine|suppose|"
    r"you (?:need|are asked|have) to|you['’]re (?:tasked|asked)|as (?:a |the )?\w+, how)", re.I)
_REQUIREMENT = re.compile(r"\b(?:must|should|needs? to|is required to|has to|have to)\b", re.I)
_STORY = re.compile(r"^(?:walk me through your (?:experience|career|background|work)\b|(?:tell me about|describe|"
                    r"give (?:me )?an example of|share|talk (?:me )?(?:about|through))\b.*?\b(?:a time|an? (?:[\w-]+ )"
                    r"{0,2}(?:situation|occasion|instance|example|moment|project|decision|time)|your experience|"
                    r"when you)\b)", re.I)
_DESIGN = re.compile(r"^(?:design|build|develop|create|architect|propose|you need to build|you['’]re tasked with)\b",
                     re.I)
_INSTRUCTION = re.compile(
    r"^(?:provide|give|prepare|share|tell)\s+(?:me\s+)?(?:one|two|three|four|\d+|a few|several)\s+(?:short\s+|"
    r"concise\s+|brief\s+|separate\s+|different\s+)*(?:STAR\s+)?(?:stories|examples|answers|responses|situations)\b|"
    r"^(?:answer|respond to)\s+(?:both|each|all)\b|^(?:keep|be)\s+(?:it\s+)?(?:brief|concise|short)\b|"
    r"^use\s+(?:the\s+)?STAR\b|^(?:you have|take)\s+\d+\s+minutes\b", re.I)
_LIST_LEAD = re.compile(
    rf"^(?:(?:{_WH})\s+(?:would|will|do|did|could|should|can|does)\s+you\s+|(?:please\s+)?)"
    r"(?:specify|include|describe|explain|walk me through|tell me|outline|list|cover|discuss|share|detail|"
    r"describe your approach to|consider)\s+|^(?:what|which)\s+(?:would|will)\s+be\s+", re.I)
_LEAD = re.compile(
    r"^how\s+(?:would|will|do|did|could|should|can|does)\s+you\s+(?:(?:design|architect|build|approach)\s+"
    r"(?:this|the|a|such a)?\s*(?:system|pipeline|framework|solution|experiment|product|strategy)?\s*to\s+)?|"
    r"^(?:the|this|your|our)\s+(?:\w+\s+){1,3}(?:must|should|needs? to|has to|is required to)\s+|"
    r"^(?:what|which)\s+(?:would|will)\s+be\s+(?:your|the)\s+|"
    r"^(?:please\s+)?(?:specify|include|describe your approach to|walk me through|explain|outline|consider)\s+", re.I)
_QUALIFIER = re.compile(r"^((?:in|given|without|with|for|when|under|during|as|especially when)\s[^,?]{1,70}),\s+", re.I)
_EXAMPLES = re.compile(r"\s*\(\s*(?:e\.g\.|eg\.?|for example|such as|for instance|like|i\.e\.)\s*,?\s*([^)]*)\)", re.I)
_ENUM_LINE = re.compile(r"^\s*(?:\(?(\d{1,2})[.)]|\(?([a-h])\)|part\s+(\d+)\s*[:.)-])\s+(.*)$", re.I)
_INLINE_ENUM = re.compile(r"(?:^|\s)\(?(\d)\)\s+")
_STORY_ELEMENT = re.compile(r"^(?:tell me about|describe|give (?:me )?an example of|share|talk (?:me )?about)\s+", re.I)

# Prompt cues of each kind, tried in order (the first match wins); anything else is matched on its content.
_KIND_CUES: tuple[tuple[str, str], ...] = (
    ("artefact", r"\b(?:e-?mail|recap|snippet|memo|message you|write-?up|slack message|document you)"),
    ("before_after", r"\bbefore\s*(?:/|and|&|vs\.?)\s*after\b|\bwhat changed\b|\bhow it used to\b"),
    ("lessons", r"\b(?:do differently|lessons?|learn(?:ed|t)?\b|hindsight|would you change|takeaways?)"),
    ("alternatives", r"\b(?:trade-?offs?|alternatives?|options? (?:you )?considered|why not|what else did you "
                     r"consider)"),
    ("obstacle", r"\b(?:hardest|constraints?\b|challenges?\b|obstacles?|difficult(?:y|ies)|blockers?)"),
    ("uncertainty", r"\b(?:quantify (?:the )?uncertainty|uncertainty|confidence (?:interval|level)|how (?:sure|"
                    r"confident))"),
    ("incomplete_data", r"\b(?:incomplete (?:data|information)|not enough (?:data|information|benchmarks)|absence of "
                        r"(?:sufficient )?(?:data|information)|limited data|without (?:enough |sufficient )?data|"
                        r"what guided|ambiguity|ambiguous)"),
    ("diagnosis", r"\b(?:diagnos\w*|root causes?\b|investigat\w*|figure out why|find out why)"),
    ("persuasion", r"\b(?:skeptic\w*|sceptic\w*|sociali[sz]\w*|consensus|buy-?in|convinc\w*|persuad\w*|influenc\w*|"
                   r"win (?:them )?over|rally)"),
    ("disagreement", r"\b(?:disagree\w*|push-?back|conflicts?\b|resistance|objections?|friction)"),
    ("risk_mitigation", r"\b(?:risks? (?:you )?mitigat\w*|mitigat\w*|de-?risk\w*|safeguards?|what could go wrong|"
                        r"rollback|failure modes?)"),
    ("communication", r"\b(?:communicat\w*|shared terminology|terminology|confirm alignment|keep \w+ informed|"
                      r"explain \w+ (?:\w+ ){0,3}to\b|defend \w+ (?:\w+ ){0,3}to\b|present\w* to|stakeholders?\b)"),
    ("metrics", r"\b(?:metrics?|kpis?|measure (?:the )?success|success criteria|how (?:do|would|will) you measure|"
                r"measurement framework|measure \w+ impact)"),
    ("outcome", r"\b(?:outcomes?|results?|impact\b|what happened)"),
    ("assumptions", r"\b(?:assum\w+|clarif\w+)"),
    ("action", r"\b(?:your approach|decision-?making process|what did you do|how did you make (?:the call|it|the "
               r"decision)|steps you took)"),
)
_QUANTIFIED = re.compile(r"\b(?:quantif\w*|measurable|numbers?|how much|metrics?)\b|%|\d", re.I)


@lru_cache(maxsize=1024)
def parse_prompt(text: str) -> PromptSpec:
    """The prompt's parts and elements; instruction sentences and premises are kept apart as structure/context."""
    parts, instructions, preamble = _split_parts(text)
    elements: list[Element] = []
    context: list[str] = []
    for index, part in enumerate(parts):
        sentences = [*(preamble if index == 0 else []), *prose_sentences(part.text)]
        for sentence in sentences:
            if _INSTRUCTION.search(sentence):
                instructions.append(sentence)
            elif _is_ask(sentence):
                for item in _items(sentence):
                    elements.append(item.model_copy(update={"id": f"e{len(elements) + 1}", "part": index}))
            else:
                context.append(sentence)
    if not elements and text.strip():  # a prompt we cannot read as asks still asks for its own topic
        elements.append(Element(id="e1", text=_clean(text)[:200], kind="topic", main=True))
    return PromptSpec(parts=parts, elements=elements, instructions=instructions, context=context)


def _split_parts(text: str) -> tuple[list[PromptPart], list[str], list[str]]:
    """Numbered parts (one per line, or "1) … 2) …" inline) with their titles; the preamble's sentences apart."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    starts = [i for i, line in enumerate(lines) if _ENUM_LINE.match(line)]
    if len(starts) < 2:
        inline = list(_INLINE_ENUM.finditer(text))
        numbers = [int(m.group(1)) for m in inline]
        if len(inline) >= 2 and numbers == list(range(1, len(numbers) + 1)):
            bodies = [text[m.end(): (inline[i + 1].start() if i + 1 < len(inline) else len(text))]
                      for i, m in enumerate(inline)]
            return [_part(b) for b in bodies], [], prose_sentences(text[: inline[0].start()])
        return [PromptPart(text=" ".join(lines))], [], []
    bodies = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        match = _ENUM_LINE.match(lines[start])
        first = match.group(4) if match else lines[start]
        bodies.append(" ".join([first, *lines[start + 1:end]]))
    return [_part(b) for b in bodies], [], prose_sentences(" ".join(lines[: starts[0]]))


def _part(body: str) -> PromptPart:
    body = body.strip()
    head = re.match(r"^([A-Z][\w&/' -]{1,60}?):\s+(\S.*)$", body)
    if head and len(head.group(1).split()) <= 6 and not _ASK_START.match(head.group(1)):
        return PromptPart(title=head.group(1).strip(), text=head.group(2).strip())
    return PromptPart(text=body)


def _is_ask(sentence: str) -> bool:
    s = sentence.strip().strip("“”\"'")
    return s.endswith("?") or bool(_ASK_START.match(s)) or bool(_REQUIREMENT.search(s))


def _top_level_split(text: str, pattern: str) -> list[str]:
    protected, saved = protect(text)
    return [restore(p, saved).strip() for p in re.split(pattern, protected) if p.strip()]


def _words(text: str) -> int:
    return len([w for w in re.findall(r"[\w/%–-]+", text) if w.lower() not in ("a", "an", "the", "and", "or")])


def _clean(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip(" ,;:.?“”\"'")
    return re.sub(r"^(?:and|or|then|also)\s+", "", text, flags=re.I)


def _items(sentence: str) -> list[Element]:
    """The elements of one ask sentence: a story or design task stays whole; lists become one element per item."""
    body = sentence.strip().strip("“”\"'").rstrip("?.! ")
    examples: list[str] = []

    def take_examples(match: re.Match[str]) -> str:
        examples.extend(_clean(x) for x in re.split(r",\s*|\s+or\s+", match.group(1)) if _clean(x))
        return ""

    qualifier = ""
    found = _QUALIFIER.match(body)
    if found and _ASK_START.match(body[found.end():]):
        qualifier, body = found.group(1), body[found.end():]
    if _STORY.match(body):
        text = _STORY_ELEMENT.sub("", _EXAMPLES.sub(take_examples, body))
        return [Element(id="", text=_clean(text), kind="situation", main=True, examples=examples,
                        qualifier=qualifier)]
    main: list[Element] = []
    if _DESIGN.match(body):
        head, rest = _split_considering(body)
        main = [Element(id="", text=_clean(_EXAMPLES.sub(take_examples, head)), kind="topic", main=True,
                        examples=list(examples))]
        examples.clear()
        if not rest:
            return main
        body = rest
        items = _list_items(body, lead=False)
    else:
        items = _list_items(body, lead=True)
    out = list(main)
    for item in items:
        item_examples: list[str] = []

        def take(match: re.Match[str], into: list[str] = item_examples) -> str:
            into.extend(_clean(x) for x in re.split(r",\s*|\s+or\s+", match.group(1)) if _clean(x))
            return ""

        text = _clean(_EXAMPLES.sub(take, item))
        if _words(text) < 1:
            continue
        kind = kind_of(text)
        kind = kind_of(qualifier) if kind == "topic" and qualifier else kind
        out.append(Element(id="", text=text, kind=kind, examples=item_examples, qualifier=qualifier,
                           quantified=kind == "outcome" and bool(_QUANTIFIED.search(f"{text} {item_examples}"))))
    return out


_CONSIDERING = re.compile(r",\s+(?:considering|including|accounting for|taking into account)\s+|\s+including\s+")


def _split_considering(body: str) -> tuple[str, str]:
    """A design task and the list it goes on to name ("…, considering X, Y and Z")."""
    protected, saved = protect(body)
    match = _CONSIDERING.search(protected)
    if not match:
        return body, ""
    return restore(protected[: match.start()], saved), restore(protected[match.end():], saved)


def _list_items(body: str, lead: bool) -> list[str]:
    """Split an ask into its items: predicates ("handle …, ensure …, and explain …") or noun phrases after a
    list-taking lead ("Specify the before/after flow, trade-offs you rejected, …"); one-word runs stay together."""
    pieces = _top_level_split(body, r",\s+|;\s+")
    if lead and _LEAD.match(pieces[0]):
        pieces[0] = _LEAD.sub("", pieces[0], count=1)
    later_predicates = any(_PREDICATE.match(p) and not _ATTACHED.match(p) for p in pieces[1:])
    listing = not lead or bool(_LIST_LEAD.match(body))
    long_items = [_words(p) >= 2 for p in pieces]
    nouns_ok = (listing and sum(long_items) * 2 > len(pieces)) or (len(pieces) >= 3 and all(long_items))
    items: list[str] = []
    for piece in pieces:
        starts_new = bool(_QUESTION_WORD.match(piece)) or ((not _ATTACHED.match(piece)) and (
            bool(_PREDICATE.match(piece)) if later_predicates else nouns_ok))
        if items and not starts_new:
            items[-1] = f"{items[-1]}, {piece}"
        else:
            items.append(piece)
    out: list[str] = []
    for item in items:
        out.extend(_split_and(item, list_lead=bool(_LIST_LEAD.match(body))))
    return out


def _split_and(item: str, list_lead: bool) -> list[str]:
    """Split "X and how Y" / "X and ensure Y" at the top level; "X and Y" noun phrases only after a listing lead.
    Coordinated verbs ("measure and mitigate bias"), names ("Google Cloud and Microsoft Azure") and "and why" stay."""
    protected, saved = protect(item)
    pieces: list[str] = []
    rest = protected
    for match in re.finditer(r"\s+and\s+", protected):
        left, right = protected[: match.start()], protected[match.end():]
        done = " and ".join(pieces)
        left_part = left[len(done) + (5 if pieces else 0):] if pieces else left
        coordinated_verbs = re.search(rf"(?:^|\b(?:to|you|would|will|can|could|should|must))\s*{_VERB}$",
                                      left_part.strip(), re.I)
        if _words(left_part) < 2 or coordinated_verbs or _words(right) < 2:
            continue
        splits = bool(re.match(rf"{_WH}\b|{_ADVERB}{_VERB}\b", right, re.I))
        if not splits and list_lead:
            splits = (right[:1].islower() and _words(left_part) >= 3 and not left_part.rstrip().endswith("ing")
                      and not re.match(r"\w+ing\b", right))
        if splits:
            pieces.append(left_part)
            rest = right
    pieces.append(rest) if pieces else None
    result = pieces if pieces else [protected]
    return [restore(p, saved).strip() for p in result if _words(p) >= 1]


def kind_of(text: str) -> str:
    """The kind of requirement an asked phrase names, from the way prompts ask for it; "topic" when none fits."""
    for kind, cue in _KIND_CUES:
        if re.search(cue, text, re.I):
            return kind
    return "topic"
