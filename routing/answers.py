"""One reader of yes / no / don't-know answers, by keypad, speech or text, in es, en, fr, pt and ht.

Voice, SMS and chat all ask the same questions ("Are you in danger now? 1 yes, 2 no, 3 don't know");
this module is the only place that decides what a reply means. A reply that is a plain answer
("sí", "No, gracias", "wi wi", "je ne sais pas", "2") is that answer. A reply that is a sentence
("no me dejan salir", "no puedo hablar, me están vigilando") is not a "no": its words are narrative
for the text triage, and the question stays unanswered (None), which on "in danger now?" is read as
possible danger. A plain answer followed by more words ("Sí, me tienen encerrada") is the answer,
and the rest is narrative too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from routing.text import normalise, tokens

YES, NO, UNKNOWN, NARRATIVE, EMPTY = "yes", "no", "unknown", "narrative", "empty"
KINDS = (YES, NO, UNKNOWN, NARRATIVE, EMPTY)
VALUES: dict[str, bool | None] = {YES: True, NO: False, UNKNOWN: None, NARRATIVE: None, EMPTY: None}

# The keypad menu every yes/no question speaks: 1 yes, 2 no, 3 don't know (0 too, as the voice
# country menu uses it).
DIGITS = {"1": YES, "2": NO, "3": UNKNOWN, "0": UNKNOWN}

# Whole replies (after politeness is stripped), accent-insensitive. Spelled as people type them:
# without accents, apostrophes or capitals.
PLAIN = {
    YES: [
        # es
        "si",
        "claro",
        "claro que si",
        "por supuesto",
        "correcto",
        "afirmativo",
        "asi es",
        "cierto",
        "exacto",
        "eso",
        "simon",
        "sip",
        "creo que si",
        "pues si",
        "si senor",
        "si senora",
        "si estoy",
        "si hay",
        "si es",
        "si es menor",
        "si estoy en peligro",
        "si lo estoy",
        "si la tienen",
        "si los tienen",
        "efectivamente",
        "auxilio",
        "socorro",
        "ayudenme",
        "ayudame",
        "sipi",
        "sii",
        "aja",
        "ajam",
        "simon que si",
        "va",
        "dale",
        "va dale",
        "fijese que si",
        "pos si",
        "pos fijese que si",
        "si puedo",
        "si puedo hablar",
        "puedo hablar",
        # en
        "yes",
        "yeah",
        "yea",
        "yep",
        "yup",
        "ya",
        "sure",
        "of course",
        "correct",
        "right",
        "affirmative",
        "i think so",
        "absolutely",
        "definitely",
        "yes i am",
        "i am",
        "yes it is",
        "yes there is",
        "yes they are",
        "yes they do",
        "yes she is",
        "yes he is",
        "that s right",
        "true",
        "help me",
        "uh huh",
        "mhm",
        "mm hmm",
        "yass",
        "yas",
        "ye",
        "i can talk",
        "yes i can",
        "i can",
        "go ahead",
        # fr
        "oui",
        "ouais",
        "ouai",
        "bien sur",
        "absolument",
        "exactement",
        "c est ca",
        "tout a fait",
        "je pense que oui",
        "je crois que oui",
        "oui je suis",
        "oui c est ca",
        "evidemment",
        "vrai",
        "oui monsieur",
        "oui madame",
        "au secours",
        "bien sur que oui",
        "je peux parler",
        "oui je peux",
        # pt
        "sim",
        "com certeza",
        "isso",
        "isso mesmo",
        "exato",
        "certo",
        "acho que sim",
        "estou sim",
        "sim estou",
        "e sim",
        "claro que sim",
        "pois e",
        "verdade",
        "ss",
        "uhum",
        "aham",
        "s",
        # ht
        "e claro que sim",
        "pode falar",
        "pode sim",
        "posso falar",
        "posso",
        # ht
        "wi",
        "se sa",
        "se vre",
        "dako",
        "wi mwen ye",
        "wi li ye",
        "egzakteman",
        "se sa menm",
        "wi se vre",
        "anmwe",
        "m kwe wi",
        "mwen kwe wi",
        "setenman",
        "sertenman",
        "m ka pale",
        "wi m ka pale",
    ],
    NO: [
        # es
        "no",
        "nop",
        "nel",
        "para nada",
        "de ninguna manera",
        "claro que no",
        "creo que no",
        "negativo",
        "nunca",
        "no senor",
        "no senora",
        "pues no",
        "no gracias",
        "no estoy en peligro",
        "no estoy",
        "no lo estoy",
        "no hay",
        "no es menor",
        "no es menor de edad",
        "no son menores",
        "no hay menores",
        "no hay ninos",
        "ninguno",
        "ninguna",
        "nones",
        "nel pastel",
        "nada",
        "ya no",
        "ahora no",
        # en
        "no",
        "nope",
        "nah",
        "not really",
        "no way",
        "i don t think so",
        "negative",
        "not at all",
        "of course not",
        "i m not",
        "i am not",
        "no i m not",
        "no i am not",
        "not in danger",
        "i m not in danger",
        "i am not in danger",
        "i m safe",
        "i am safe",
        "no i m safe",
        "no there isn t",
        "no it isn t",
        "not a child",
        "not a minor",
        "no children",
        "false",
        "never",
        "none",
        "absolutely not",
        "no kids",
        "there are no children",
        "they re all adults",
        "not now",
        "not rn",
        "not right now",
        "not anymore",
        "no longer",
        "no kids here",
        # fr
        "non",
        "pas du tout",
        "non merci",
        "je ne pense pas",
        "je pense que non",
        "absolument pas",
        "jamais",
        "je pense pas",
        "je crois que non",
        "je crois pas",
        "nan",
        "pas d enfants",
        "je ne suis pas en danger",
        "je suis pas en danger",
        "non je ne suis pas en danger",
        "ce n est pas un enfant",
        "pas d enfant",
        "aucun",
        "plus maintenant",
        "pas maintenant",
        "aucun enfant",
        # pt
        "nao",
        "de jeito nenhum",
        "acho que nao",
        "claro que nao",
        "nao estou",
        "nao estou em perigo",
        "nao obrigado",
        "nao obrigada",
        "nenhum",
        "nenhuma",
        "nunca",
        "nao e menor",
        "nops",
        "n",
        "nao nao",
        "nada disso",
        "nenhuma crianca",
        "agora nao",
        # ht
        "non",
        "pa ditou",
        "mwen pa panse",
        "pa vre",
        "m pa an danje",
        "mwen pa an danje",
        "non mwen pa an danje",
        "se pa yon timoun",
        "okenn",
        "janm",
        "m pa kwe",
        "m pa kwe sa",
        "mwen pa kwe",
        "pa gen timoun",
        "pa gen okenn timoun",
        "okenn timoun",
        "pa kounye a",
    ],
    UNKNOWN: [
        # es
        "no se",
        "no lo se",
        "nose",
        "ni idea",
        "quien sabe",
        "tal vez",
        "quizas",
        "quiza",
        "a lo mejor",
        "no estoy seguro",
        "no estoy segura",
        "puede ser",
        "no sabria decir",
        "no sabria",
        "no se si",
        "no tengo idea",
        "no se nada",
        "mas o menos",
        "quien sabe",
        "no sabria decirle",
        "dificil de decir",
        "es dificil decir",
        "no sabemos",
        "no conozco",
        "no le se",
        "fijese que no se",
        "la verdad no se",
        # en
        "don t know",
        "dont know",
        "i don t know",
        "i dont know",
        "idk",
        "not sure",
        "i m not sure",
        "i am not sure",
        "maybe",
        "perhaps",
        "no idea",
        "dunno",
        "i have no idea",
        "i can t say",
        "no clue",
        "unsure",
        "hard to say",
        "can t say",
        "not sure really",
        "hard to tell",
        "can t tell",
        "we don t know",
        "couldn t tell",  # "you" is stripped as politeness
        "how would i know",
        # fr
        "je ne sais pas",
        "je sais pas",
        "sais pas",
        "chais pas",
        "j sais pas",
        "aucune idee",
        "peut etre",
        "pas sur",
        "pas sure",
        "je ne suis pas sur",
        "je ne suis pas sure",
        "je suis pas sur",
        "je suis pas sure",
        "je n en sais rien",
        "je ne sais",
        "sais pas trop",
        "je sais pas trop",
        "difficile a dire",
        "dur a dire",
        "je ne connais pas",
        "je connais pas",
        "on ne sait pas",
        "on sait pas",
        # pt
        "nao sei",
        "nao tenho certeza",
        "talvez",
        "sei la",
        "nao faco ideia",
        "pode ser",
        "nao sei dizer",
        "nem sei",
        "dificil dizer",
        "nao conheco",
        "a gente nao sabe",
        "sei nao",
        "nao sei nao",
        # ht
        "m pa konnen",
        "mwen pa konnen",
        "pa konnen",
        "m pa konn",
        "mwen pa konn",
        "petet",
        "m pa si",
        "mwen pa si",
        "m pa seten",
        "mwen pa seten",
        "pa konnen non",
        "m pa fin seten",
        "mwen pa fin seten",
        "se difisil pou m di",
        "difisil pou m di",
        "nou pa konnen",
        "m pa fin konnen",
        "kisa m konnen",
        "ki jan pou m konnen",
    ],
}
# Words that dress a plain answer without changing it, at either end.
POLITE = frozenset(
    normalise(word)
    for word in (
        "por favor",
        "gracias",
        "senor",
        "senora",
        "senorita",
        "pues",
        "bueno",
        "eh",
        "este",
        "mmm",
        "hmm",
        "ahh",
        "please",
        "thanks",
        "thank",
        "you",
        "sir",
        "madam",
        "miss",
        "well",
        "um",
        "uh",
        "oh",
        "ok",
        "okay",
        "merci",
        "monsieur",
        "madame",
        "bon",
        "ben",
        "euh",
        "obrigado",
        "obrigada",
        "senhor",
        "senhora",
        "bem",
        "entao",
        "mesi",
        "souple",
        "msye",
        "madanm",
        "enben",
    )
    for word in word.split()
)
# Words that say when, not whether: "ahorita no", "agora não", "not now".
WHEN = frozenset(
    {"ahora", "ahorita", "ya", "todavia", "aun", "now", "agora", "ainda", "maintenant", "encore", "kounye"}
)
# A clause that opens with these qualifies the answer before it until it is no longer plain.
CONTRAST = frozenset({"pero", "but", "mais", "mas", "men", "sauf", "except", "excepto", "salvo"})
# Portuguese answers by echoing the verb: "tô sim", "pegaram sim", "tem não", "não dá".
ECHO_YES = frozenset({"sim"})
ECHO_NO = frozenset({"nao"})
# A plain answer at the head of a longer reply still counts when these words start it.
STRONG_YES = frozenset({"si", "yes", "yeah", "yep", "oui", "ouais", "sim", "wi", "claro"})
# "non" is never a verb's negation in French or Haitian Creole, so "non, ..." or "non li ..." is a no.
STRONG_NO = frozenset({"non", "nope", "nah", "nel"})
_CLAUSE = re.compile(r"[,.;:!?¡¿\n…\-–—]+")
_REPEATED = re.compile(r"(.)\1{2,}")
_NO_RUN = re.compile(r"(no){2,}")
_ENGLISH_SUBJECTS = frozenset({"they", "i", "she", "he", "we", "it", "there", "nobody", "not"})


@dataclass(frozen=True)
class Answer:
    """What a reply means: its kind, the value to record (True, False or None) and any narrative words."""

    kind: str
    narrative: str = ""

    @property
    def value(self) -> bool | None:
        return VALUES[self.kind]


@lru_cache(maxsize=1)
def _plain() -> dict[tuple[str, ...], str]:
    table: dict[tuple[str, ...], str] = {}
    for kind in (UNKNOWN, NO, YES):
        for phrase in PLAIN[kind]:
            table.setdefault(tuple(normalise(phrase).split()), kind)
    return table


def _squeeze(words: tuple[str, ...]) -> tuple[str, ...]:
    # "siii", "noooo", "yesss": a long letter is emphasis, not another word.
    return tuple(_REPEATED.sub(r"\1", word) if not word.isdigit() else word for word in words)


def _strip_polite(words: tuple[str, ...]) -> tuple[str, ...]:
    start, end = 0, len(words)
    while start < end and words[start] in POLITE:
        start += 1
    while end > start and words[end - 1] in POLITE:
        end -= 1
    return words[start:end]


def _plain_kind(words: tuple[str, ...]) -> str | None:
    """The kind of a reply made only of plain answers ("no no", "sí, sí, claro"), or None."""
    words = _strip_polite(_squeeze(words))
    if not words:
        return None
    if len(words) == 1 and words[0] in DIGITS:
        return DIGITS[words[0]]
    table = _plain()
    kind = table.get(words)
    if kind is not None:
        return kind
    if words[0] in WHEN and len(words) > 1:
        return _plain_kind(words[1:])
    if len(words) == 2 and (words[1] in ECHO_YES or words[1] in ECHO_NO or words[0] in ECHO_NO):
        return YES if words[1] in ECHO_YES else NO
    # The same answer said twice or more: "no no", "si si claro", "wi wi".
    kinds = set()
    position = 0
    while position < len(words):
        for size in range(min(6, len(words) - position), 0, -1):
            found = table.get(words[position : position + size])
            if found is not None:
                kinds.add(found)
                position += size
                break
        else:
            return None
    return kinds.pop() if len(kinds) == 1 else None


def read_answer(text: str | None) -> Answer:
    """Read one reply to a yes/no/don't-know question."""
    raw = (text or "").strip()
    words = tokens(raw)
    if not words:
        return Answer(EMPTY)
    kind = _plain_kind(words)
    if kind is not None:
        return Answer(kind)
    # A plain answer, then a comma or a full stop, then more: "No, estoy bien", "Sí. Me encerraron".
    clauses = [part for part in _CLAUSE.split(raw) if tokens(part)]
    if len(clauses) > 1:
        head = _plain_kind(tokens(clauses[0]))
        if head is not None:
            rest = raw[raw.find(clauses[1]) :].strip() if clauses[1] in raw else " ".join(clauses[1:])
            if head in (YES, NO) and tokens(rest)[:1] and tokens(rest)[0] in CONTRAST:
                # "Agora não, mas ele volta de noite": the "but" takes the plain answer back.
                return Answer(NARRATIVE, raw)
            return Answer(head, rest)
    first = _squeeze(words[:1])[0]
    if _NO_RUN.fullmatch(first) and len(words) > 1:
        first = "non"  # "nonono los tengo yo"
    # "No sé cuántos años tiene", "dunno how old she is": a don't-know, then what is not known.
    for size in range(min(4, len(words) - 1), 0, -1):
        if _plain().get(words[:size]) == UNKNOWN and (size > 1 or words[0] in ("idk", "dunno", "nose")):
            return Answer(UNKNOWN, raw)
    if first in ("ya", "yeah", "yep") and len(words) > 1 and words[1] in _ENGLISH_SUBJECTS - {"not", "nobody"}:
        # "ya he got em": the English yes, not Spanish "ya" (already), when an English subject follows.
        return Answer(YES, raw.split(None, 1)[1])
    if first == "no" and len(words) > 1 and words[1] in _ENGLISH_SUBJECTS:
        # English "no" is never a verb's negation: "no they're all adults" is a no.
        return Answer(NO, raw.split(None, 1)[1])
    if len(words) > 1 and words[1] in CONTRAST and (first in STRONG_YES or first in STRONG_NO or first == "no"):
        return Answer(NARRATIVE, raw)
    if len(words) > 1 and (first in STRONG_YES or first in STRONG_NO):
        kind = YES if first in STRONG_YES else NO
        return Answer(kind, raw.split(None, 1)[1] if len(raw.split(None, 1)) > 1 else "")
    if len(words) == 1:
        # One word that is no answer ("hola", "?"): ask again rather than guess.
        return Answer(EMPTY)
    return Answer(NARRATIVE, raw)
