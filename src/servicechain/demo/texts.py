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

# Employee comments: topic -> dimension it reflects -> (negative, positive) x (nl, en). Each topic
# but engagement names one employee aspect of the text taxonomy (text/data/aspects.yaml):
# autonomy -> management, relatedness -> colleagues, climate -> workload, hygiene -> pay,
# competence -> development.
EMPLOYEE_TOPICS = ("engagement", "autonomy", "relatedness", "climate", "hygiene", "competence")
TOPIC_ASPECTS = {"autonomy": "management", "relatedness": "colleagues", "climate": "workload",
                 "hygiene": "pay", "competence": "development"}  # fmt: skip
EMPLOYEE_COMMENTS: dict[tuple[str, int, str], tuple[str, ...]] = {
    ("engagement", 0, "nl"): ("Ik haal weinig voldoening uit mijn werk.", "Het werk voelt als sleur."),
    ("engagement", 0, "en"): ("I get little satisfaction from my work.", "Work feels like a grind."),
    ("engagement", 1, "nl"): ("Ik ga met plezier naar mijn werk.", "Trots op wat we hier neerzetten!"),
    ("engagement", 1, "en"): ("I enjoy coming to work.", "Proud of what we do here!"),
    ("autonomy", 0, "nl"): ("Voor alles moet ik toestemming vragen aan mijn leidinggevende.", "De bedrijfsleider luistert niet naar ons."),
    ("autonomy", 0, "en"): ("I need my manager's permission for everything.", "Management does not listen to us."),
    ("autonomy", 1, "nl"): ("Mijn leidinggevende vertrouwt me.", "Onze bedrijfsleider luistert echt naar ons."),
    ("autonomy", 1, "en"): ("My manager trusts me.", "Our manager really listens to us."),
    ("relatedness", 0, "nl"): ("De sfeer in het team kan beter.", "Ik voel me niet thuis bij mijn collega's."),
    ("relatedness", 0, "en"): ("The team atmosphere could be better.", "I don't feel at home with my colleagues."),
    ("relatedness", 1, "nl"): ("Fijne collega's, we helpen elkaar.", "Goede sfeer in ons team."),
    ("relatedness", 1, "en"): ("Great colleagues, we help each other.", "Good atmosphere in our team."),
    ("climate", 0, "nl"): ("Te weinig mensen op de vloer, de werkdruk is te hoog.", "Door onderbezetting is het altijd gehaast."),
    ("climate", 0, "en"): ("Not enough staff on the floor, the workload is too high.", "Always rushed because we are understaffed."),
    ("climate", 1, "nl"): ("De werkdruk is goed te doen.", "Roosters zijn goed geregeld, de drukte is haalbaar."),
    ("climate", 1, "en"): ("The workload is manageable.", "Shifts are well planned and the workload is fine."),
    ("hygiene", 0, "nl"): ("Het salaris blijft achter bij andere winkels.", "Het loon is te laag voor dit werk."),
    ("hygiene", 0, "en"): ("Pay lags behind other stores.", "The wages are too low for this work."),
    ("hygiene", 1, "nl"): ("Prima salaris en goede arbeidsvoorwaarden.", "Het loon is eerlijk."),
    ("hygiene", 1, "en"): ("Decent pay and good benefits.", "The salary is fair."),
    ("competence", 0, "nl"): ("Ik mis trainingen over nieuwe producten.", "Geen tijd om me te ontwikkelen."),
    ("competence", 0, "en"): ("I miss training on new products.", "No time to develop myself."),
    ("competence", 1, "nl"): ("Veel geleerd dit kwartaal dankzij de training.", "Goede opleiding gehad over het nieuwe assortiment."),
    ("competence", 1, "en"): ("Learned a lot this quarter thanks to the training.", "Good training on the new range."),
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
REVIEW_ASPECTS = ("staff_friendliness", "waiting_time", "cleanliness", "product_quality", "price_value")
"""The customer aspects review sentences are written about, in the order of the keys below."""
REVIEW_REMARKS: dict[tuple[str, int, str], tuple[str, ...]] = {
    ("staff_friendliness", 0, "nl"): ("Het personeel was onvriendelijk.", "De medewerkers hadden geen zin om te helpen.", "Onbeleefde bediening."),
    ("staff_friendliness", 0, "en"): ("The staff were rude.", "Unfriendly staff who could not be bothered.", "The employees were not helpful at all."),
    ("staff_friendliness", 1, "nl"): ("Het personeel was ontzettend vriendelijk.", "Zeer behulpzame medewerkers.", "Vriendelijk en deskundig personeel."),
    ("staff_friendliness", 1, "en"): ("The staff were really friendly.", "Very helpful employees.", "Friendly and knowledgeable staff."),
    ("waiting_time", 0, "nl"): ("Wel lang wachten bij de kassa.", "De wachtrij was veel te lang.", "Eeuwig moeten wachten."),
    ("waiting_time", 0, "en"): ("Long queues at the till though.", "We had to wait far too long.", "The queue was very slow."),
    ("waiting_time", 1, "nl"): ("Vlot geholpen, korte wachttijd.", "Geen lange wachtrij, heel fijn.", "Snel geholpen aan de kassa."),
    ("waiting_time", 1, "en"): ("Quick service, no long queue.", "Short wait at the till.", "Served quickly, hardly any wait."),
    ("cleanliness", 0, "nl"): ("De winkel mocht wel wat schoner.", "Vieze vloer en rommelige schappen.", "Het toilet was smerig."),
    ("cleanliness", 0, "en"): ("The store could be cleaner.", "Dirty floors and messy shelves.", "The toilets were filthy."),
    ("cleanliness", 1, "nl"): ("Alles was schoon en netjes.", "Brandschone winkel.", "Keurig opgeruimd en schoon."),
    ("cleanliness", 1, "en"): ("Everything was clean and tidy.", "Spotless store.", "Very clean and well kept."),
    ("product_quality", 0, "nl"): ("De kwaliteit van de producten valt tegen.", "Het artikel was na een week al kapot.", "Beperkt assortiment en veel uitverkocht."),
    ("product_quality", 0, "en"): ("The product quality is disappointing.", "The item broke after a week.", "Limited range and lots sold out."),
    ("product_quality", 1, "nl"): ("Goede kwaliteit producten.", "Mooi en ruim assortiment.", "Uitstekende kwaliteit."),
    ("product_quality", 1, "en"): ("Good quality products.", "A great, wide range.", "Excellent quality."),
    ("price_value", 0, "nl"): ("Aan de prijzige kant.", "Veel te duur voor wat je krijgt.", "De prijzen zijn hoog."),
    ("price_value", 0, "en"): ("A bit pricey.", "Far too expensive for what you get.", "Prices are high."),
    ("price_value", 1, "nl"): ("Scherpe prijzen.", "Echt waar voor je geld.", "Betaalbaar en goed."),
    ("price_value", 1, "en"): ("Great value for money.", "Fair prices.", "Affordable and good."),
}  # fmt: skip
"""Review sentences per (aspect, tone 0 negative / 1 positive, language)."""
CONTRAST = {"nl": ", maar ", "en": ", but "}
"""How a positive and a negative remark become one mixed sentence."""
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
REMARK_POOL = Pool(REVIEW_REMARKS)  # keys: REVIEW_ASPECTS x (0, 1) x languages


def languages(rng: np.random.Generator, n: int, english: float = 0.15) -> np.ndarray:
    """Language index per row: 0 = nl, 1 = en."""
    return (rng.random(n) < english).astype(np.int64)


def sometimes(rng: np.random.Generator, indices: np.ndarray, share: float) -> np.ndarray:
    """Keep ``share`` of the indices, set the rest to -1 (no text)."""
    return np.where(rng.random(len(indices)) < share, indices, -1)
