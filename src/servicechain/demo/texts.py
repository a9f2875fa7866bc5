# ruff: noqa: E501  (template tables read better unwrapped)
"""Short Dutch and English comments and review sentences, picked to match the answers.

Templates live in flat tuples grouped by (topic, tone, language); :func:`pick` returns
indices into a pool, so a million comments cost one categorical column, not a million
Python strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

LANGUAGES = ("nl", "en")

# Employee comments: topic -> dimension it reflects -> (negative, positive) x (nl, en).
EMPLOYEE_TOPICS = ("engagement", "autonomy", "relatedness", "climate", "hygiene", "competence")
EMPLOYEE_COMMENTS: dict[tuple[str, int, str], tuple[str, ...]] = {
    ("engagement", 0, "nl"): ("Ik haal weinig voldoening uit mijn werk.", "Het werk voelt als sleur."),
    ("engagement", 0, "en"): ("I get little satisfaction from my work.", "Work feels like a grind."),
    ("engagement", 1, "nl"): ("Ik ga met plezier naar mijn werk.", "Trots op wat we hier neerzetten!"),
    ("engagement", 1, "en"): ("I enjoy coming to work.", "Proud of what we do here!"),
    ("autonomy", 0, "nl"): ("Voor alles moet ik toestemming vragen.", "Er wordt te veel voor ons bepaald."),
    ("autonomy", 0, "en"): ("I need permission for everything.", "Too much is decided for us."),
    ("autonomy", 1, "nl"): ("Ik krijg de ruimte om zelf klanten te helpen.", "Mijn leidinggevende vertrouwt me."),
    ("autonomy", 1, "en"): ("I am free to help customers my way.", "My manager trusts me."),
    ("relatedness", 0, "nl"): ("De sfeer in het team kan beter.", "Ik voel me hier niet echt thuis."),
    ("relatedness", 0, "en"): ("The team atmosphere could be better.", "I don't really feel at home here."),
    ("relatedness", 1, "nl"): ("Fijne collega's, we helpen elkaar.", "Goede sfeer in ons team."),
    ("relatedness", 1, "en"): ("Great colleagues, we help each other.", "Good atmosphere in our team."),
    ("climate", 0, "nl"): ("De kassasystemen vallen steeds uit.", "Te weinig mensen op de vloer op zaterdag."),
    ("climate", 0, "en"): ("The tills keep crashing.", "Not enough staff on the floor on Saturdays."),
    ("climate", 1, "nl"): ("We hebben alles wat we nodig hebben om klanten te helpen.", "Service staat hier echt voorop."),
    ("climate", 1, "en"): ("We have what we need to serve customers.", "Service really comes first here."),
    ("hygiene", 0, "nl"): ("Het salaris blijft achter bij andere winkels.", "De kantine en kleedruimte zijn verouderd."),
    ("hygiene", 0, "en"): ("Pay lags behind other stores.", "The staff room is run down."),
    ("hygiene", 1, "nl"): ("Prima arbeidsvoorwaarden.", "Goed geregeld met roosters en salaris."),
    ("hygiene", 1, "en"): ("Decent pay and conditions.", "Schedules and pay are well organised."),
    ("competence", 0, "nl"): ("Ik mis trainingen over nieuwe producten.", "Geen tijd om me te ontwikkelen."),
    ("competence", 0, "en"): ("I miss training on new products.", "No time to develop myself."),
    ("competence", 1, "nl"): ("Veel geleerd dit kwartaal.", "Goede training gehad over het nieuwe assortiment."),
    ("competence", 1, "en"): ("Learned a lot this quarter.", "Good training on the new range."),
}  # fmt: skip

# Customer, touchpoint and review tones: 0 negative, 1 neutral, 2 positive.
CUSTOMER_COMMENTS: dict[tuple[int, str], tuple[str, ...]] = {
    (0, "nl"): ("Lang moeten wachten en niemand die me hielp.", "Beloofde bestelling kwam niet.", "Niet vriendelijk geholpen.", "Ik twijfel of ik hier nog kom."),
    (0, "en"): ("Long wait and nobody helped me.", "My order never arrived as promised.", "Staff were unfriendly.", "Not sure I will come back."),
    (1, "nl"): ("Prima, niets bijzonders.", "Redelijk geholpen.", "Het assortiment kan groter.", "Op zich goed, wel druk."),
    (1, "en"): ("Fine, nothing special.", "Reasonable service.", "The range could be bigger.", "Okay, but busy."),
    (2, "nl"): ("Altijd vriendelijk en deskundig personeel!", "Mijn favoriete winkel.", "Probleem direct opgelost, top.", "Ik voel me hier echt welkom."),
    (2, "en"): ("Always friendly, knowledgeable staff!", "My favourite store.", "Problem solved right away, great.", "I always feel welcome here."),
}  # fmt: skip
TOUCHPOINT_COMMENTS: dict[tuple[int, str], tuple[str, ...]] = {
    (0, "nl"): ("Te lang in de wacht gestaan.", "Vraag niet beantwoord.", "Kassa was dicht, lange rij."),
    (0, "en"): ("On hold for too long.", "My question was not answered.", "Till closed, long queue."),
    (1, "nl"): ("Het ging wel.", "Geholpen, maar het duurde even."),
    (1, "en"): ("It was okay.", "Helped, but it took a while."),
    (2, "nl"): ("Snel en vriendelijk geholpen.", "Heel behulpzaam!", "Top service aan de balie."),
    (2, "en"): ("Quick and friendly help.", "Very helpful!", "Great service at the desk."),
}  # fmt: skip
REVIEW_OPENINGS: dict[tuple[int, str], tuple[str, ...]] = {
    (0, "nl"): ("Slechte ervaring.", "Teleurgesteld in deze winkel.", "Nooit meer.", "Service ver onder de maat."),
    (0, "en"): ("Bad experience.", "Disappointed with this store.", "Never again.", "Service well below par."),
    (1, "nl"): ("Gemiddelde winkel.", "Niet slecht, niet geweldig.", "Redelijke winkel, wel wat rommelig."),
    (1, "en"): ("Average store.", "Not bad, not great.", "Decent store, a bit messy."),
    (2, "nl"): ("Fijne winkel!", "Altijd goed geholpen.", "Aanrader!", "Prettige winkel met goede service."),
    (2, "en"): ("Lovely store!", "Always well helped.", "Highly recommended!", "Pleasant store with great service."),
}  # fmt: skip
REVIEW_REMARKS: dict[tuple[str, str], tuple[str, ...]] = {
    ("waiting_time", "nl"): ("Wel lang wachten bij de kassa.",),
    ("waiting_time", "en"): ("Long queues at the till though.",),
    ("cleanliness", "nl"): ("De winkel mocht wel wat schoner.",),
    ("cleanliness", "en"): ("The store could be cleaner.",),
    ("price_value", "nl"): ("Aan de prijzige kant.",),
    ("price_value", "en"): ("A bit pricey.",),
}  # fmt: skip
PRAISE: dict[str, tuple[tuple[str, str], ...]] = {
    "nl": (("", " was super behulpzaam."), ("Complimenten voor ", "!"), ("", " nam echt de tijd voor me.")),
    "en": (("", " was really helpful."), ("Kudos to ", "!"), ("", " really took the time to help me.")),
}  # fmt: skip
"""(before, after) around "<first name> <place>", e.g. "Sanne aan de servicebalie"."""
PLACES = {
    "Winkelvloer": {"nl": "op de winkelvloer", "en": "on the shop floor"},
    "Servicebalie": {"nl": "aan de servicebalie", "en": "at the service desk"},
    "Magazijn": {"nl": "van het magazijn", "en": "from the stockroom"},
    "": {"nl": "in de winkel", "en": "in the store"},
}


class Pool:
    """Templates flattened into one tuple, with the slice of each group.

    A group's index is the position of its key in ``groups``; the tables above list their
    keys as a full product in row-major order, so ``np.ravel_multi_index`` of the key
    parts (e.g. topic, tone, language) is the group index.
    """

    def __init__(self, groups: Mapping[Any, tuple[str, ...]]) -> None:
        self.keys = list(groups)
        self.texts: tuple[str, ...] = tuple(t for key in self.keys for t in groups[key])
        sizes = np.array([len(groups[key]) for key in self.keys])
        self.offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        self.sizes = sizes
        if len(set(self.texts)) != len(self.texts):
            raise ValueError("templates must be unique")

    def pick(self, rng: np.random.Generator, group: np.ndarray) -> np.ndarray:
        """One random template index per row, from the group index ``group`` of each row."""
        group = np.asarray(group)
        return self.offsets[group] + (rng.random(len(group)) * self.sizes[group]).astype(np.int64)


EMPLOYEE_POOL = Pool(EMPLOYEE_COMMENTS)  # keys: topics x (0, 1) x languages
CUSTOMER_POOL = Pool(CUSTOMER_COMMENTS)  # keys: tones x languages
TOUCHPOINT_POOL = Pool(TOUCHPOINT_COMMENTS)
REVIEW_POOL = Pool(REVIEW_OPENINGS)
REMARK_POOL = Pool(REVIEW_REMARKS)  # keys: (waiting_time, cleanliness, price_value) x langs


def languages(rng: np.random.Generator, n: int, english: float = 0.15) -> np.ndarray:
    """Language index per row: 0 = nl, 1 = en."""
    return (rng.random(n) < english).astype(np.int64)


def sometimes(rng: np.random.Generator, indices: np.ndarray, share: float) -> np.ndarray:
    """Keep ``share`` of the indices, set the rest to -1 (no text)."""
    return np.where(rng.random(len(indices)) < share, indices, -1)
