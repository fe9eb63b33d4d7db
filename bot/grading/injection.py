"""Finds text in an answer that addresses the grader instead of the interviewer, and removes it before scoring."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from bot.grading.normalise import fold, graded_text, hidden_text, readings

_GRADER = r"(?:evaluator|grader|assessor|reviewer|examiner|judge|marker|scorer|AI|model|LLM|assistant|system|bot)"
_SCORE_WORDS = r"(?:full|maximum|max|perfect|top|highest|100|5/5|10/10|an? (?:A|10|5))"
_PATTERNS = [
    # naive instruction / context ignore
    r"\b(?:ignore|disregard|forget|override|bypass|skip)\b[^.\n]{0,40}\b(?:previous|prior|above|earlier|all|any|"
    r"the|your|these|those)\b[^.\n]{0,30}\b(?:instructions?|inputs?|rules?|rubrics?|prompts?|guidelines?|criteria|"
    r"directions?|context|messages?)",
    r"\b(?:give|award|assign|grant)\b[^.\n]{0,40}\b" + _SCORE_WORDS
    + r"\b[^.\n]{0,20}\b(?:marks?|scores?|points?|ratings?|grades?|stars?)\b",  # not "give the top decile an offer"
    r"\b(?:give|award|assign|grant)\b[^.\n]{0,40}\b(?:marks?|scores?|points?|ratings?|grades?)\s+(?:of\s+)?"
    + _SCORE_WORDS + r"(?![\w/])",  # "a score of 100 out of 100"
    r"\b(?:give|award|assign|grant)\s+(?:me|this|it|(?:this|the|my) (?:answer|response|submission)|the candidate)\s+"
    r"(?:an?\s+)?(?:(?-i:A\+?)|10/10|5/5|100(?:/100)?)(?![\w/])",  # the letter grade "A", not "a name"
    r"\b(?:mark|rate|score|grade)\s+(?:me|this|it|my|the (?:answer|response|candidate|submission))\b[^.\n]{0,30}\b"
    + _SCORE_WORDS,
    r"\b(?:full|maximum|max|perfect|top|highest)\s+(?:marks?|score|points|rating|grade)\b",
    r"\b(?:respond|reply|answer|output|return|print)\s+(?:only\s+)?(?:with|as)?\s*[\"'`]?(?:rating|score|grade|"
    r"overall|verdict|json)",
    r"\b(?:the rubric|these rules|scoring rules) (?:no longer|does not|doesn't) apply",
    r"\byou (?:must|should|will|are required to|have to)\s+(?:now\s+)?(?:score|grade|rate|mark|award|give|output)",
    r"\bnew (?:instructions?|task|rules?)\s*:",
    # fake completion and verdicts
    r"</\s*(?:answer|response|candidate|input|data|text|user)\s*>",
    r"\b(?:END OF (?:ANSWER|RESPONSE|INPUT|CANDIDATE(?:'S)? (?:ANSWER|RESPONSE))|BEGIN (?:EVALUATION|GRADE|VERDICT))\b",
    r"[{,]\s*[\"']?(?:overall|score|grade|rating|verdict|dimensions)[\"']?\s*:\s*[\[{\"'0-9]",
    r"\b(?:rating|score|grade|verdict|overall(?: score)?|final (?:score|grade))\s*[:=]\s*(?:\d+(?:\.\d+)?\s*"
    r"(?:/\s*\d+)?|[A-F][+-]?\b|pass|excellent|perfect)",
    r"(?:^|\n)\s*(?:#{2,}|\[|<|```)\s*(?:system|assistant|instruction|evaluation|grader|admin)\b",
    r"(?:^|\n)\s*(?:system|assistant|evaluator|grader)\s*:",
    # fake reasoning and authority claims
    r"\b(?:as (?:the|an?|any) " + _GRADER + r" (?:can|will|would) (?:see|notice|agree|confirm))",
    r"\b(?:correct|right|appropriate|only valid|expected|fair)\s+(?:score|grade|rating|mark)\s+(?:is|would be|=)",
    r"\b(?:deserves?|merits?|warrants?|earns?|should (?:receive|get|be given|be awarded|score))\b[^.\n]{0,30}\b"
    r"(?:full|maximum|max|perfect|top|highest|100|5/5|10/10|5 out of 5|a 5|a 10)",
    r"\b(?:every|all)\s+(?:key points?|rubric (?:items?|dimensions?)|criteria)\s+(?:is|are|was|were|has been|"
    r"have been)\s+(?:covered|met|satisfied|addressed)",
    r"\bnote\s+(?:to|for)\s+(?:the\s+)?" + _GRADER,
    r"\b(?:dear|attention|hey|hi)\s+(?:the\s+)?" + _GRADER + r"\b",
    r"\b(?:answer|response|submission|candidate|score|grade|rating|it)\s+(?:was|is|has been|were)\s+(?:already\s+)?"
    r"pre-?\s?(?:approved|graded|scored|validated|verified)\b|\bpre-?\s?(?:approved|graded|scored|validated|verified)"
    r"\s+(?:as\s+)?(?:\d|a\s+\d|full|maximum|max|perfect|top|highest|by\s+the)",
    r"\b(?:approved|authori[sz]ed|certified|verified|signed off)\s+by\s+(?:the\s+)?(?:hiring manager|recruiter|"
    r"interviewer|admin\w*|developers?|system|committee|bar raiser|HR)",
    r"\b(?:rate|grade|score|mark|evaluate|judge|assess)\s+(?:this|the|my)\s+(?:answer|response|submission|"
    r"candidate)\b",
    r"\b(?:highest|best|top|maximum) (?:possible )?(?:score|rating|grade|marks?)\b",
    r"\b(?:grading|scoring|evaluation) (?:task|instructions?|guidelines?|mode)\b",
    r"\b(?:treat|count|consider|mark)\w*\s+(?:every|all|each|any)\s+(?:key points?|rubric|criteri)",
    r"\b(?:interviewer|recruiter|hiring manager|panel|committee)'?s?\s+(?:note|comment|decision|verdict)\b",
    r"\bautomated (?:score|grade|grader|rating|evaluation)\b",
    r"\b\d+\s*/\s*\d+\s+(?:on|for|across)\s+(?:all|every|each)\b",
    r"\bI am (?:the|an?|your) (?:administrator|admin|developer|system|evaluator|grader|interviewer|hiring manager)\b",
    r"\b(?:this|the) (?:answer|response|candidate) (?:has been|was|is) (?:already )?(?:approved|graded|verified|"
    r"rated|scored)",
    r"\byou(?:'re| are)\s+(?:now\s+)?(?:the|an?|my|our)\s+(?:grader|evaluator|examiner|assessor|marker|scorer|judge)\b",
    r"\b(?:act|behave|pretend|serve)\s+(?:as|like|to be)\s+(?:the|an?)\s+(?:grader|evaluator|examiner|scorer)\b",
]
# The same attacks in French, Spanish, German, Portuguese, Italian and Chinese; matched on folded text (no accents).
_OTHER_LANGUAGES = [
    # ignore the previous instructions
    r"\b(?:ignore[rz]?|oublie[rz]?|ne (?:tiens|tenez) pas compte d\w*|fais abstraction d\w*|ignora|ignorad|olvida|"
    r"olvidad|omite|haz caso omiso d\w*|no tengas en cuenta|ignoriere|ignorieren sie|vergiss|vergessen sie|"
    r"missachte|ubergehe|ignorem|esqueca|esquecam|desconsidere|desconsiderem|despreze|ignorate|dimentica|"
    r"dimenticate|non considerare|non tenere conto d\w*)(?:\s+\S+){0,4}?\s+(?:instructions?|consignes?|regles?|"
    r"directives?|bareme|criteres?|instrucciones|indicaciones|reglas|normas|directrices|criterios|rubrica|"
    r"anweisungen|anordnungen|instruktionen|regeln|vorgaben|richtlinien|kriterien|instrucoes|instrucao|"
    r"orientacoes|regras|diretrizes|istruzioni|indicazioni|regole|direttive|criteri)\b",
    r"(?:忽略|忽视|无视|無視|不要理会|不理会|忘记|忘掉|忘記|跳过|跳過)[^。！？，,\n]{0,10}(?:指令|指示|说明|說明|规则|規則|"
    r"提示|要求|评分标准|評分標準)",
    # give full marks
    r"\b(?:note|notation|score|points|puntuacion|calificacion|nota|puntaje|punktzahl|bewertung|pontuacao|"
    r"avaliacao|punteggio|voto|valutazione)\s+(?:maximale?|parfaite?|maxima|maximo|perfecta|perfecto|perfeita|"
    r"massim[oa]|pien[oa]|perfett[oa])\b",
    r"\b(?:volle|maximale|hochste|beste)\s+(?:punktzahl|punkte|punkten|bewertung|note)\b|\b(?:hochstpunktzahl|"
    r"bestnote|hochstnote|bestbewertung)\b",
    r"\bil massimo dei voti\b",
    r"(?:给|給|打|评为|評為|判为|判為|应得|應得|值得)[^。！？，,\n]{0,12}(?:满分|滿分|最高分|一百分|100分)",
    # you are the grader
    r"\b(?:tu es|vous etes|eres|usted es|du bist|sie sind|voce e|sei|lei e)\s+(?:maintenant\s+|desormais\s+|"
    r"ahora\s+|jetzt\s+|nun\s+|agora\s+|ora\s+|adesso\s+)?(?:le |la |l'|un |une |el |una |der |die |ein |eine |"
    r"o |a |um |uma |il |lo )?(?:correct(?:eur|rice)|evaluat(?:eur|rice)|examinat(?:eur|rice)|notat(?:eur|rice)|"
    r"evaluador\w*|calificador\w*|corrector\w*|examinador\w*|bewerter\w*|prufer\w*|korrektor\w*|gutachter\w*|"
    r"avaliador\w*|corretor\w*|valutator\w*|corrett(?:ore|rice)|esaminator\w*)\b",
    r"你(?:现在|現在)?(?:是|作为|作為|当|當)[^。！？\n]{0,6}(?:评分员|評分員|评分者|評分者|评分人|阅卷|閱卷|评审|評審|考官|评委|評委|"
    r"评估者|評估者)",
]
_SUSPICIOUS = re.compile("|".join(f"(?:{p})" for p in [*_PATTERNS, *_OTHER_LANGUAGES]), re.I)
# Once an attack is found, segments that talk about grading at all, or are not prose, go with it.
_META = re.compile(
    r"\b(?:scor(?:e|es|ed|ing)|grad(?:e|es|ed|er|ers|ing)|marks?|rating|rated|rubric|evaluat\w*|assess\w*|"
    r"judg(?:e|es|ed|ing)|criteri\w*|key points?|coverage|covered|dimensions?|instructions?|task|calibrat\w*|"
    r"verdict|strong hire|panel|bar raiser|excellent|complete|comprehensive|maximum|full marks|this answer|"
    r"the answer above|the text below|above this line|system|override|ignore|previous|candidate|response|"
    r"evaluator)\b|\d+\s*/\s*\d+", re.I)
_PROSE = re.compile(r"[^\W\d_]{3,}(?:\s+[^\W\d_]{2,}){3,}|[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]{6,}")
_CUTOFF = re.compile(r"</\s*(?:answer|response|candidate|input|data|text|user)\s*>|\bEND OF (?:ANSWER|RESPONSE|"
                     r"INPUT)\b|(?:^|\n)\s*(?:#{2,}|```)\s*(?:system|assistant|instruction|evaluation)", re.I)
_SEGMENT = re.compile(r"[^\n.!?。！？]*(?:[.!?。！？]+|\n|$)")
_END = re.compile(r"[\s.!?。！？]+$")
SPLIT_WINDOW = 3  # an attack cut into pieces is looked for across this many consecutive sentences
_TARGET = re.compile(r"instruction|rubric|prompt|guideline|criteri|\bmarks\b|\bscor|\bgrad(?:e|er|ing)\b|rating|"
                     r"evaluat|\bpoints?\b|maxim|\bfull\b|consigne|instruccion|anweisung|istruzion|instruco|punt|"
                     r"punkt|pontua|\bnot[ae]\b|指令|指示|满分|滿分|最高分|评分|評分", re.I)
# "the", "and", "you", "all", "this", "your", "give" written backwards, and in rot13: such text is read that way too.
_REVERSED_WORDS = re.compile(r"\b(?:eht|dna|uoy|lla|siht|ruoy|evig)\b", re.I)
_ROT13_WORDS = re.compile(r"\b(?:gur|naq|lbh|nyy|guvf|lbhe|tvir)\b", re.I)


@dataclass
class InjectionScan:
    """The answer normalised (see `graded_text`), with grader-directed text removed, and the removed pieces."""

    clean: str
    removed: list[str]
    narrow: str = ""  # only the segments that address the grader removed (no neighbours): closer to the original
    normalised: str = ""  # the whole answer normalised, nothing removed: what an attack is graded with left in

    @property
    def suspected(self) -> bool:
        return bool(self.removed)


def scan(answer: str) -> InjectionScan:
    """Split off every segment that talks to the grader, in any of its readings (look-alike letters, invisible
    characters, leetspeak, encodings, another language) or cut across sentences; everything after a fake
    end-of-answer marker goes too. Text hidden in invisible tag characters is read, and never graded."""
    normalised = graded_text(answer)
    text = normalised
    removed: list[str] = []
    hidden = hidden_text(answer)
    if hidden and _SUSPICIOUS.search(fold(hidden)):
        removed.append(f"(hidden text) {hidden.strip()}")
    cutoff = _CUTOFF.search(text)
    if cutoff:
        removed.append(text[cutoff.start():].strip())
        text = text[: cutoff.start()]
    segments = _SEGMENT.findall(text)
    repeats: dict[str, int] = {}
    for segment in segments:
        repeats[segment.strip().lower()] = repeats.get(segment.strip().lower(), 0) + 1
    flagged = [bool(s.strip()) and (_suspicious(s) or repeats[s.strip().lower()] >= 3) for s in segments]
    _whole_readings(segments, flagged)
    narrow = "".join(s for s, flag in zip(segments, flagged, strict=True) if not flag).strip()
    _spread(segments, flagged)
    kept: list[str] = []
    for segment, flag in zip(segments, flagged, strict=True):
        (removed if flag else kept).append(segment.strip() if flag else segment)
    return InjectionScan(clean="".join(kept).strip(), removed=removed, narrow=narrow, normalised=normalised)


def _whole_readings(segments: list[str], flagged: list[bool]) -> None:
    """Read the sentences as one line, and reversed or in rot13 where common English words show through: a match
    flags each sentence it runs through when there are at most SPLIT_WINDOW of them and none matched alone, so an
    attack cut into pieces ("Ignore all. Previous instructions.") is found where no piece matches by itself."""
    pieces = [(i, _END.sub("", fold(s)).strip()) for i, s in enumerate(segments) if s.strip()]
    joined = " ".join(piece for _, piece in pieces)
    spans, begin = [], 0
    for i, piece in pieces:
        spans.append((i, begin, begin + len(piece)))
        begin += len(piece) + 1
    readings = [(joined, False)]
    if _REVERSED_WORDS.search(joined):
        readings.append((joined[::-1], True))
    if _ROT13_WORDS.search(joined):
        readings.append((codecs.encode(joined, "rot13"), False))
    alone = list(flagged)
    for reading, backwards in readings:
        position = 0
        while match := _SUSPICIOUS.search(reading, position):
            lo, hi = (len(joined) - match.end(), len(joined) - match.start()) if backwards else match.span()
            touched = [i for i, start, end in spans if lo < end and hi > start]
            # a match reaching past a sentence that matches by itself is that sentence's, not a split attack; one
            # that joins sentences must name what an attack is after (instructions, a score), not just "the rules"
            if len(touched) == 1 or (len(touched) <= SPLIT_WINDOW and not any(alone[i] for i in touched)
                                     and _TARGET.search(match.group(0))):
                for i in touched:
                    flagged[i] = True
                position = match.end()
            else:  # too wide: a shorter match may start inside it
                position = match.start() + 1


def _spread(segments: list[str], flagged: list[bool]) -> None:
    """Grow each flagged run over neighbouring segments that talk about grading or are not prose at all."""
    def residue(segment: str) -> bool:
        return not segment.strip() or bool(_META.search(segment)) or not _PROSE.search(segment)

    for direction in (1, -1):
        order = range(len(segments)) if direction == 1 else range(len(segments) - 1, -1, -1)
        active = False
        for i in order:
            if flagged[i]:
                active = True
            elif active and residue(segments[i]):
                flagged[i] = bool(segments[i].strip())
            else:
                active = False


def _suspicious(segment: str) -> bool:
    """A segment that addresses the grader in any of its readings (see `readings`), line-start patterns included."""
    return any(_SUSPICIOUS.search(reading) for reading in readings(segment))
