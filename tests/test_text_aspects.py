"""Aspect mentions with their own sentiment, on Dutch and English sentences written for the purpose."""

from __future__ import annotations

from pathlib import Path

import pytest

from servicechain.rulefiles import RuleError
from servicechain.text.aspects import find_aspects, load_taxonomy


def aspects_of(text: str, audience: str = "customer") -> dict[str, float | None]:
    """Aspect -> sentiment of ``text`` (one mention per aspect in these sentences)."""
    found = find_aspects(text, audience)  # type: ignore[arg-type]
    return {m.aspect: m.score for m in found.mentions}


def sign(value: float | None) -> int | None:
    return None if value is None else (1 if value > 0.05 else -1 if value < -0.05 else 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the issue's own example: one sentence, two aspects, opposite sentiment
        ("Het personeel was ontzettend vriendelijk, maar de kamer was vies.",
         {"staff_friendliness": 1, "cleanliness": -1}),
        ("The staff were very friendly, but the room was dirty.",
         {"staff_friendliness": 1, "cleanliness": -1}),
        # coordinated clauses without a comma
        ("Het personeel was vriendelijk en de winkel was niet schoon.",
         {"staff_friendliness": 1, "cleanliness": -1}),
        ("The queue was long and the staff were rude.", {"waiting_time": -1, "staff_friendliness": -1}),
        # negation
        ("Het eten was niet lekker.", {"food_drink": -1}),
        ("The food was not tasty.", {"food_drink": -1}),
        ("Niet slecht, de wachttijd was kort.", {"waiting_time": 1}),
        ("The staff were not unfriendly.", {"staff_friendliness": 1}),
        # aspect-only cues: "lang", "kort", "hoog" carry sentiment only for their aspect
        ("Lang moeten wachten bij de kassa.", {"waiting_time": -1}),
        ("Short wait at the till.", {"waiting_time": 1}),
        ("De prijzen zijn hoog.", {"price_value": -1}),
        ("Great value for money.", {"price_value": 1}),
        # an evaluative word names the aspect the plain noun is about
        ("Het eten was veel te duur.", {"price_value": -1}),
        ("Spotless store.", {"cleanliness": 1}),
        ("Goede kwaliteit producten.", {"product_quality": 1}),
        ("The item broke after a week.", {"product_quality": None}),
    ],
)  # fmt: skip
def test_customer_aspects_and_their_sentiment(text: str, expected: dict[str, int | None]) -> None:
    found = aspects_of(text)
    assert {key: sign(value) for key, value in found.items()} == expected, found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("De werkdruk is veel te hoog door onderbezetting.", {"workload": -1}),
        ("The workload is manageable.", {"workload": 1}),
        ("Mijn leidinggevende vertrouwt me.", {"management": 1}),
        ("Management does not listen to us.", {"management": -1}),
        ("Fijne collega's en een goede sfeer in het team.", {"colleagues": 1}),
        ("I don't feel at home with my colleagues.", {"colleagues": -1}),
        ("Het salaris blijft achter bij andere winkels.", {"pay": -1}),
        ("Decent pay and good benefits.", {"pay": 1}),
        ("Geen tijd om me te ontwikkelen.", {"development": -1}),
        ("Learned a lot this quarter thanks to the training.", {"development": 1}),
        ("Fijne collega's, maar het loon is te laag.", {"colleagues": 1, "pay": -1}),
    ],
)  # fmt: skip
def test_employee_aspects_and_their_sentiment(text: str, expected: dict[str, int | None]) -> None:
    found = aspects_of(text, "employee")
    assert {key: sign(value) for key, value in found.items()} == expected, found


def test_intensifiers_make_an_aspect_stronger_in_both_languages() -> None:
    plain, strong = (
        aspects_of("Het personeel was vriendelijk."),
        aspects_of("Het personeel was ontzettend vriendelijk."),
    )
    assert 0 < plain["staff_friendliness"] < strong["staff_friendliness"]  # type: ignore[operator]
    plain, strong = aspects_of("The room was dirty."), aspects_of("The room was extremely dirty.")
    assert strong["cleanliness"] < plain["cleanliness"] < 0  # type: ignore[operator]


def test_a_mention_without_an_opinion_has_no_score_and_audiences_do_not_mix() -> None:
    assert aspects_of("Ik kwam voor de kassa en de paskamers.") == {"facilities": None}
    assert aspects_of("De werkdruk is te hoog.", "customer") == {}  # workload is an employee aspect
    assert aspects_of("Het personeel was vriendelijk.", "employee") == {}


def test_mentions_keep_their_sentence_and_the_text_its_language_and_score() -> None:
    found = find_aspects("Vriendelijk personeel. Maar wel lang wachten bij de kassa!", "customer")
    assert found.language == "nl"
    assert [(m.aspect, m.sentence) for m in found.mentions] == [
        ("staff_friendliness", 0),
        ("waiting_time", 1),
    ]
    assert found.mentions[1].text == "Maar wel lang wachten bij de kassa!"
    assert -1 <= found.score <= 1
    only_cues = find_aspects("De werkdruk is veel te hoog.", "employee")
    assert only_cues.score < 0  # the sentence's sentiment comes from the aspect's own cue


def test_the_shipped_taxonomy_has_the_issues_aspects_in_both_languages() -> None:
    taxonomy = load_taxonomy()
    customer = [a.key for a in taxonomy.of("customer")]
    employee = [a.key for a in taxonomy.of("employee")]
    assert customer == ["staff_friendliness", "waiting_time", "cleanliness", "product_quality", "food_drink",
                        "price_value", "facilities"]  # fmt: skip
    assert employee == ["workload", "management", "colleagues", "pay", "development"]
    for aspect in taxonomy.aspects.values():
        assert aspect.terms["nl"] and aspect.terms["en"] and aspect.label("nl") and aspect.label("en")


def test_an_own_taxonomy_replaces_the_shipped_one(tmp_path: Path) -> None:
    path = tmp_path / "aspects.yaml"
    path.write_text(
        "- key: parking\n  audience: customer\n  label: {nl: Parkeren, en: Parking}\n"
        "  nl: [parkeren, parkeerplaats*]\n  en: [parking, car park]\n  negative: [vol, full]\n",
        encoding="utf-8",
    )
    taxonomy = load_taxonomy(path)
    found = find_aspects("De parkeerplaatsen waren vol.", "customer", taxonomy=taxonomy)
    assert [(m.aspect, sign(m.score)) for m in found.mentions] == [("parking", -1)]
    assert find_aspects("The car park was full.", "customer", taxonomy=taxonomy).mentions[0].score < 0  # type: ignore[operator]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("- key: Bad Key\n  audience: customer\n  label: {nl: a, en: b}\n  nl: [a]\n  en: [b]\n", "key"),
        ("- key: a\n  audience: visitors\n  label: {nl: a, en: b}\n  nl: [a]\n  en: [b]\n", "audience"),
        ("- key: a\n  audience: customer\n  label: {nl: a}\n  nl: [a]\n  en: [b]\n", "label"),
        ("- key: a\n  audience: customer\n  label: {nl: a, en: b}\n  nl: []\n  en: [b]\n", "nl"),
        ("- key: a\n  audience: customer\n  label: {nl: a, en: b}\n  nl: [a]\n  en: [b]\n"
         "- key: a\n  audience: customer\n  label: {nl: a, en: b}\n  nl: [a]\n  en: [b]\n",
         "used by an earlier"),
        ("key: a\n", "expected a list"),
    ],
)  # fmt: skip
def test_a_wrong_taxonomy_file_names_the_entry_and_field(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "wrong.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(RuleError, match=message) as error:
        load_taxonomy(path)
    assert str(path) in str(error.value)
