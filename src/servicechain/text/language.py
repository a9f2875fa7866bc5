"""Dutch or English, per text, offline.

Method: a two-class naive Bayes on (1) function words, whose presence decides almost every
sentence of three words or more, and (2) character trigrams of the other words, for texts
of one or two content words ("Aanrader!", "Lovely store!"). The function-word lists are
written here; the trigram profiles are counted at first use from two word lists of similar
size and kind shipped in the package: the 5,207 words of the MIT Dutch sentiment lexicon
and the 7,135 alphabetic words of the MIT English VADER lexicon (Hutto & Gilbert 2014,
ICWSM; ``data/vader-words/``), each with the function words of its language. This is the
classic approach of Cavnar & Trenkle (1994, "N-gram-based text categorization") and of
Google's language-detection (Shuyo 2010), cut down to the two languages the product needs.
No model is downloaded.
"""

from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache
from typing import Literal

from servicechain.text.lexicon import english_lexicon, raw_dutch_lexicon, read_words, wordset
from servicechain.text.tokens import words

Language = Literal["nl", "en"]

NL_WORDS = wordset(
    """de het een en van ik je jij u hij zij ze wij we jullie mijn mij jouw uw zijn haar ons onze hun
    dat die dit deze wat wie waar wanneer hoe waarom welke er hier daar niet geen nooit niets niemand
    nergens wel ook nog al maar want dus omdat toen als dan of noch zonder met voor naar bij uit op aan
    door onder tegen tussen na sinds tot om te heb hebt heeft hebben had hadden ben bent is was
    waren wordt worden werd zou zouden kan kon kunnen moet moest mag mocht wil wilde ga gaat gaan ging
    kom komt komen kwam doe doet doen deed zeer heel erg echt ontzettend enorm super best veel weinig
    meer minder vaak altijd soms even toch zelfs alleen helemaal beetje iets iemand iedereen alles
    elke elk ieder prima goed slecht mooi lekker fijn leuk snel lang duur vies schoon vriendelijk winkel
    personeel medewerker medewerkers kamer eten bediening kassa klant klanten keer dag week jaar
    geholpen gekregen gedaan gezien gemaakt gewacht wachten helaas jammer nee ja oke zo zeker
    mee af toe terug weer nu vandaag gisteren prijs prijzen kwaliteit sfeer collega's collega"""
)
EN_WORDS = wordset(
    """the a an and of i you he she it they we my me your his her our their its this that these those
    what who where when how why which there here not no never nothing nobody none nowhere also still
    already but because so if then or nor without with for to from at on by about under against between
    after since until have has had having am are is was were be been being will would can could should
    must may might shall do does did done go goes went come came get got make made very really extremely
    incredibly quite pretty too much many more less often always sometimes even only just bit little
    something someone everyone everything every each good bad nice great lovely tasty fast slow long
    expensive dirty clean friendly store shop staff employee room food till customer customers
    time day week year helped got seen waited wait unfortunately yes okay sure back again now today
    yesterday price prices quality atmosphere colleagues colleague don't didn't wasn't isn't won't
    can't couldn't wouldn't i'm it's i've the"""
)
_SHARED = NL_WORDS & EN_WORDS  # e.g. "is", "was", "me", "we", "super", "week"
_FUNCTION_WEIGHT = 4.0
"""Log-odds a function word adds for its language: about 50:1."""
_WORD_CAP = 3.0
"""Most log-odds one other word can add through its trigrams: less than one function word,
so a long English-looking Dutch word ("assortiment") cannot outvote "het" and "kan"."""


@lru_cache(maxsize=1)
def _profiles() -> tuple[dict[str, float], dict[str, float], float, float]:
    """Log-probabilities of character trigrams (words padded with spaces) in each language."""

    def count(vocab: set[str]) -> Counter[str]:
        grams: Counter[str] = Counter()
        for word in vocab:
            padded = f" {word} "
            grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
        return grams

    nl = count(set(raw_dutch_lexicon()) | NL_WORDS)
    en = count(set(read_words("data/vader-words/words_en.txt")) | set(english_lexicon()) | EN_WORDS)
    vocab = len(set(nl) | set(en))
    nl_total, en_total = sum(nl.values()) + vocab, sum(en.values()) + vocab
    nl_lp = {g: math.log((c + 1) / nl_total) for g, c in nl.items()}
    en_lp = {g: math.log((c + 1) / en_total) for g, c in en.items()}
    return nl_lp, en_lp, math.log(1 / nl_total), math.log(1 / en_total)


def language_log_odds(text: str) -> float:
    """Log-odds that ``text`` is Dutch rather than English (positive: Dutch, 0: no evidence)."""
    nl_lp, en_lp, nl_floor, en_floor = _profiles()
    odds = 0.0
    for word in words(text):
        if word in _SHARED or word.isdigit():
            continue
        if word in NL_WORDS:
            odds += _FUNCTION_WEIGHT
        elif word in EN_WORDS:
            odds -= _FUNCTION_WEIGHT
        else:
            padded = f" {word} "
            word_odds = 0.0
            for i in range(len(padded) - 2):
                gram = padded[i : i + 3]
                word_odds += nl_lp.get(gram, nl_floor) - en_lp.get(gram, en_floor)
            odds += max(-_WORD_CAP, min(_WORD_CAP, word_odds))
    return odds


def detect_language(text: str, default: Language = "nl") -> Language:
    """``"nl"`` or ``"en"`` for ``text``; ``default`` when the text gives no evidence either way
    (empty, digits only, or only words both languages share)."""
    odds = language_log_odds(text)
    if odds > 0:
        return "nl"
    if odds < 0:
        return "en"
    return default
