# ruff: noqa: E501  (template tables read better unwrapped)
"""Pros and cons of demo employer reviews: short Dutch and English sentences per aspect.

A review's pros praise the aspect of working there that is best for that employee, its
cons criticise the worst (see :mod:`servicechain.demo.employer`). Each aspect has its own
words, so that text analytics can find it: workload (werkdruk, drukte, onderbezetting,
roosters / workload, understaffed, busy, shifts), management (leidinggevende,
bedrijfsleider, management, manager / manager, management, supervisor), colleagues
(collega's, team, sfeer / colleagues, team, atmosphere), pay (salaris, loon, betaling,
arbeidsvoorwaarden / pay, salary, wages, benefits) and development (training, opleiding,
doorgroeien, ontwikkeling / training, career, growth, development).

Tables are keyed (aspect, language) in the order of :data:`ASPECTS` x :data:`LANGUAGES`,
so ``np.ravel_multi_index((aspect, language), (5, 2))`` is a row's group in the pools.
"""

from __future__ import annotations

from servicechain.demo.texts import LANGUAGES, Pool

ASPECTS = ("workload", "management", "colleagues", "pay", "development")

PROS: dict[tuple[str, str], tuple[str, ...]] = {
    ("workload", "nl"): ("De werkdruk is goed te doen.", "Roosters worden ruim van tevoren gemaakt.", "Ook bij drukte staan er genoeg mensen op de vloer.", "Flexibele roosters, goed te combineren met je studie.", "Rustige werkdruk en eigenlijk nooit onderbezetting."),
    ("workload", "en"): ("The workload is manageable.", "Shifts are planned well in advance.", "Never understaffed, even when it gets busy.", "Flexible shifts that fit around my studies."),
    ("management", "nl"): ("Mijn leidinggevende staat altijd voor je klaar.", "Betrokken bedrijfsleider die naar het team luistert.", "Het management staat open voor ideeën van de vloer.", "Fijne manager die je vertrouwt.", "De bedrijfsleider geeft regelmatig een compliment."),
    ("management", "en"): ("My manager is always there for you.", "Supportive supervisor who listens to the team.", "Management is open to ideas from the shop floor.", "Great manager who trusts you."),
    ("colleagues", "nl"): ("Fijne collega's en een goede sfeer in het team.", "Hecht team, we helpen elkaar altijd.", "Gezellige sfeer op de werkvloer.", "Leuke collega's, je voelt je snel thuis."),
    ("colleagues", "en"): ("Great colleagues and a good team atmosphere.", "Close-knit team, everyone helps each other.", "Friendly atmosphere on the shop floor.", "Nice colleagues, you feel at home quickly."),
    ("pay", "nl"): ("Het salaris is goed voor dit soort werk.", "Prima arbeidsvoorwaarden en personeelskorting.", "Het loon wordt altijd op tijd betaald.", "Goede betaling van toeslagen en een eindejaarsuitkering."),
    ("pay", "en"): ("Good pay for retail work.", "Decent salary and a staff discount.", "Wages are always paid on time.", "Good benefits, including a year-end bonus."),
    ("development", "nl"): ("Veel trainingen en goede begeleiding in het begin.", "Je kunt hier snel doorgroeien naar teamleider.", "De opleiding wordt door het bedrijf betaald.", "Er is echt aandacht voor je ontwikkeling."),
    ("development", "en"): ("Lots of training and good guidance at the start.", "Real room for growth into a team leader role.", "A clear career path if you want one.", "They invest in your development."),
}  # fmt: skip

CONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("workload", "nl"): ("De werkdruk is veel te hoog door onderbezetting.", "Structurele onderbezetting, vooral in het weekend.", "Roosters komen pas op het laatste moment.", "Bij drukte sta je er vaak alleen voor.", "Zo druk dat je nauwelijks pauze kunt nemen."),
    ("workload", "en"): ("The workload is far too high because we are understaffed.", "Always understaffed at weekends.", "Shifts are published at the last minute.", "So busy you hardly get a break."),
    ("management", "nl"): ("De leidinggevende heeft zijn favorieten.", "De bedrijfsleider is nauwelijks op de vloer te zien.", "Het management luistert niet naar het personeel.", "Slechte communicatie van de manager, alles hoor je via via."),
    ("management", "en"): ("The manager plays favourites.", "The supervisor is hardly ever on the floor.", "Management doesn't listen to staff.", "Poor communication from the manager, you hear everything second-hand."),
    ("colleagues", "nl"): ("Slechte sfeer in het team, veel geroddel.", "Collega's werken langs elkaar heen.", "Veel verloop, dus steeds nieuwe collega's.", "Het team is erg kliekjesachtig."),
    ("colleagues", "en"): ("Bad atmosphere in the team, lots of gossip.", "Colleagues don't help each other.", "High turnover, so always new colleagues.", "The team is very cliquey."),
    ("pay", "nl"): ("Het salaris is laag voor wat er van je gevraagd wordt.", "Loon op het minimum en weinig toeslagen.", "Matige arbeidsvoorwaarden vergeleken met andere winkels.", "De betaling van overuren gaat vaak mis."),
    ("pay", "en"): ("The pay is low for what they ask of you.", "Minimum wage and hardly any benefits.", "Salary is below what other stores offer.", "Overtime wages are often paid late."),
    ("development", "nl"): ("Je kunt hier nauwelijks doorgroeien.", "Geen training gehad, je moet alles zelf uitzoeken.", "Een opleiding wordt beloofd maar komt er nooit.", "Er is geen aandacht voor je ontwikkeling."),
    ("development", "en"): ("Little room for career growth.", "No training, you have to figure everything out yourself.", "Development is promised but never happens.", "No career path to speak of."),
}  # fmt: skip

NOTHING: dict[tuple[str, str], tuple[str, ...]] = {
    ("pros", "nl"): ("Weinig positiefs te melden.", "Eerlijk gezegd niet veel."),
    ("pros", "en"): ("Not much, to be honest.", "Hard to think of anything."),
    ("cons", "nl"): ("Niets op aan te merken.", "Geen minpunten."),
    ("cons", "en"): ("Nothing to complain about.", "Can't think of any."),
}  # fmt: skip
"""What some write instead of leaving pros (of a poor employer) or cons (of a good one) empty."""

PROS_POOL = Pool(PROS)
CONS_POOL = Pool(CONS)
NOTHING_POOL = Pool(NOTHING)  # keys: (pros, cons) x languages

__all__ = ["ASPECTS", "CONS", "CONS_POOL", "LANGUAGES", "NOTHING", "NOTHING_POOL", "PROS", "PROS_POOL"]
