"""The demo organisation: the unit tree and its staff, with hires and leavers.

Company ``NL`` > regions ``R-RANDSTAD`` > locations ``L-UTR01`` > teams ``T-UTR01-1``.
A director manages the company, a regional manager each region, a store manager
(filiaalmanager, employed at the location itself) each location and a team leader each
team. Staff leave with the location's planted quarterly turnover rate (lower engagement
and worse hygiene: more leavers) and are replaced a few weeks later.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from servicechain.demo import places
from servicechain.demo.chain import Latents
from servicechain.demo.frames import Calendar, codes

TEAM_NAMES = ("Winkelvloer", "Servicebalie", "Magazijn")
TEAM_WEIGHTS = np.array([0.55, 0.25, 0.20])
STAFF_ROLES = {  # team -> (roles, probabilities, customer facing)
    "Winkelvloer": (("verkoper", "kassamedewerker"), (0.75, 0.25), True),
    "Servicebalie": (("kassamedewerker", "servicemedewerker"), (0.6, 0.4), True),
    "Magazijn": (("magazijnmedewerker",), (1.0,), False),
}
STAFF_COLUMNS = (
    "unit_code", "location", "team", "team_name", "role", "is_manager", "customer_facing",
    "hired_on", "left_on",
)  # fmt: skip


@dataclass
class Organisation:
    """The unit tree plus what the generator needs to know about locations and teams."""

    units: pd.DataFrame
    """Contract columns (manager codes filled in once staff exist)."""
    locations: pd.DataFrame
    """unit_code, name, region_code, town, province, size: one row per location."""
    teams: pd.DataFrame
    """unit_code, location, team_name, offset (planted team effect on needs and EE)."""


def _regions(n_locations: int) -> list[tuple[str, str, str]]:
    """(code, name, macro region) for about one region per six locations, at least 2."""
    count = min(max(2, round(n_locations / 6)), n_locations)
    split = count > len(places.REGIONS)
    out = []
    for i in range(count):
        macro = places.REGIONS[i % len(places.REGIONS)]
        number = i // len(places.REGIONS) + 1
        key = macro.upper()
        out.append((f"R-{key}-{number}", f"{macro} {number}", macro) if split else
                   (f"R-{key}", macro, macro))  # fmt: skip
    return out


def build_organisation(
    n_locations: int, size_range: tuple[int, int], team_sd: float, rng: np.random.Generator
) -> Organisation:
    """Company, regions, locations in real towns of their region, and 1-3 teams each."""
    regions = _regions(n_locations)
    per_region = np.full(len(regions), n_locations // len(regions))
    per_region[: n_locations % len(regions)] += 1
    subregions: dict[str, list[int]] = {}
    for index, (_, _, macro) in enumerate(regions):
        subregions.setdefault(macro, []).append(index)
    opened: dict[str, int] = {}
    loc_rows = []
    for index, (region_code, _, macro) in enumerate(regions):
        towns = places.towns_in(macro)
        siblings = subregions[macro]
        share = np.array_split(np.arange(len(towns)), len(siblings))[siblings.index(index)]
        own = [towns[i] for i in share] or [towns[siblings.index(index) % len(towns)]]
        order = rng.permutation(len(own))
        for k in range(per_region[index]):
            town = own[order[k % len(own)]]
            nth = opened.get(town.code, 0)
            opened[town.code] = nth + 1
            loc_rows.append((f"L-{town.code}{nth + 1:02d}", places.site_name(town, nth),
                             region_code, town.name, town.province))  # fmt: skip
    locations = pd.DataFrame(
        loc_rows, columns=["unit_code", "name", "region_code", "town", "province"]
    )
    low, high = size_range
    locations["size"] = rng.integers(low, high + 1, n_locations)
    n_teams = np.where(locations["size"] < 14, 1, np.where(locations["size"] < 24, 2, 3))
    team_loc = np.repeat(np.arange(n_locations), n_teams)
    team_k = np.concatenate([np.arange(k) for k in n_teams])
    offsets = rng.normal(0.0, team_sd, len(team_loc))
    offsets -= pd.Series(offsets).groupby(team_loc).transform("mean").to_numpy()
    loc_codes = locations["unit_code"].to_numpy()
    teams = pd.DataFrame({
        "unit_code": [f"T-{loc_codes[l][2:]}-{k + 1}" for l, k in zip(team_loc, team_k, strict=True)],
        "location": team_loc,
        "team_name": [TEAM_NAMES[k] for k in team_k],
        "offset": offsets,
    })  # fmt: skip
    units = pd.concat([
        pd.DataFrame({"unit_code": ["NL"], "name": ["Winkelketen Nederland"],
                      "kind": ["company"], "parent_code": [None]}),
        pd.DataFrame({"unit_code": [r[0] for r in regions], "name": [f"Regio {r[1]}" for r in regions],
                      "kind": "region", "parent_code": "NL"}),
        pd.DataFrame({"unit_code": loc_codes, "name": locations["name"], "kind": "location",
                      "parent_code": locations["region_code"]}),
        pd.DataFrame({"unit_code": teams["unit_code"], "kind": "team",
                      "name": [f"{locations['name'][l]} - {n}" for l, n in zip(team_loc, teams["team_name"], strict=True)],
                      "parent_code": loc_codes[team_loc]}),
    ], ignore_index=True)  # fmt: skip
    units["manager_employee_code"] = None
    return Organisation(units[["unit_code", "name", "kind", "parent_code", "manager_employee_code"]],
                        locations, teams)  # fmt: skip


def _tenure(rng: np.random.Generator, n: int, mean_years: float) -> np.ndarray:
    days = rng.exponential(mean_years * 365.25, n)
    return np.clip(days, 30, 30 * 365).astype("timedelta64[D]")


def initial_staff(org: Organisation, start: np.datetime64, rng: np.random.Generator) -> pd.DataFrame:
    """Everyone employed on the first day of the first quarter."""
    rows = [("NL", -1, -1, "", "directeur", True, False)]
    rows += [(code, -1, -1, "", "regiomanager", True, False)
             for code in org.units.loc[org.units["kind"] == "region", "unit_code"]]  # fmt: skip
    teams_of = org.teams.groupby("location")
    for loc, location in org.locations.iterrows():
        rows.append((location["unit_code"], loc, -1, "", "filiaalmanager", True, True))
        team_rows = teams_of.get_group(loc)
        names = team_rows["team_name"].tolist()
        for team, name in zip(team_rows.index, names, strict=True):
            rows.append((org.teams.at[team, "unit_code"], loc, team, name, "teamleider", True,
                         name != "Magazijn"))  # fmt: skip
        weights = TEAM_WEIGHTS[: len(names)] / TEAM_WEIGHTS[: len(names)].sum()
        staff = rng.multinomial(location["size"] - 1 - len(names), weights)
        for team, name, count in zip(team_rows.index, names, staff, strict=True):
            roles, probs, facing = STAFF_ROLES[name]
            for role in rng.choice(roles, size=count, p=probs):
                rows.append((org.teams.at[team, "unit_code"], loc, team, name, str(role), False, facing))
    frame = pd.DataFrame(rows, columns=list(STAFF_COLUMNS[:-2]))
    managers = frame["is_manager"].to_numpy()
    tenure = np.where(managers, _tenure(rng, len(frame), 9.0), _tenure(rng, len(frame), 4.0))
    frame["hired_on"] = start - tenure.astype("timedelta64[D]")
    frame["left_on"] = np.datetime64("NaT", "D")
    return frame


def simulate_turnover(
    staff: pd.DataFrame, lat: Latents, calendar: Calendar, rng: np.random.Generator
) -> pd.DataFrame:
    """Quarter by quarter: staff leave with the planted rate and are replaced 2-10 weeks later."""
    end = calendar.starts[-1]
    for t in range(calendar.periods):
        q_start, q_end = calendar.starts[t], calendar.starts[t + 1]
        left = staff["left_on"].to_numpy()
        active = (
            (staff["hired_on"].to_numpy() <= q_start)
            & (np.isnat(left) | (left > q_start))
            & ~staff["is_manager"].to_numpy()
            & (staff["location"].to_numpy() >= 0)
        )
        rows = np.flatnonzero(active)
        rate = lat.turnover_rate[staff["location"].to_numpy()[rows], t]
        leavers = rows[rng.random(len(rows)) < rate]
        span = int((q_end - q_start).astype(int))
        left_on = q_start + rng.integers(0, span, len(leavers)).astype("timedelta64[D]")
        staff.loc[leavers, "left_on"] = left_on
        hired = left_on + rng.integers(14, 71, len(leavers)).astype("timedelta64[D]")
        keep = hired < end
        new = staff.loc[leavers[keep]].copy()
        new["hired_on"], new["left_on"] = hired[keep], np.datetime64("NaT", "D")
        staff = pd.concat([staff, new], ignore_index=True)
    return staff


def finish_staff(org: Organisation, staff: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Codes, names and skills for every employee; manager codes into the unit table."""
    staff = staff.reset_index(drop=True)
    staff["employee_code"] = codes("E", np.arange(1, len(staff) + 1), 6).to_numpy()
    staff["first_name"] = rng.choice(places.FIRST_NAMES, len(staff))
    staff["last_name"] = rng.choice(places.LAST_NAMES, len(staff))
    staff["skill"] = rng.standard_normal(len(staff))
    managers = staff[staff["is_manager"]].drop_duplicates("unit_code")
    lookup = dict(zip(managers["unit_code"], managers["employee_code"], strict=True))
    org.units["manager_employee_code"] = org.units["unit_code"].map(lookup)
    return staff
