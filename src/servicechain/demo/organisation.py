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
        if split:
            out.append((f"R-{key}-{number}", f"{macro} {number}", macro))
        else:
            out.append((f"R-{key}", macro, macro))
    return out


def _locations(
    regions: list[tuple[str, str, str]], n_locations: int, rng: np.random.Generator
) -> pd.DataFrame:
    """Spread locations evenly over regions; each in a real town of its region."""
    per_region = np.full(len(regions), n_locations // len(regions))
    per_region[: n_locations % len(regions)] += 1
    siblings: dict[str, list[int]] = {}
    for index, (_, _, macro) in enumerate(regions):
        siblings.setdefault(macro, []).append(index)
    opened: dict[str, int] = {}
    rows = []
    for index, (region_code, _, macro) in enumerate(regions):
        towns = places.towns_in(macro)
        mine = siblings[macro].index(index)  # sub-regions of one macro region split its towns
        share = np.array_split(np.arange(len(towns)), len(siblings[macro]))[mine]
        own = [towns[i] for i in share] or [towns[mine % len(towns)]]
        order = rng.permutation(len(own))
        for k in range(per_region[index]):
            town = own[order[k % len(own)]]
            nth = opened.get(town.code, 0)
            opened[town.code] = nth + 1
            code = f"L-{town.code}{nth + 1:02d}"
            name = places.site_name(town, nth)
            rows.append((code, name, region_code, town.name, town.province))
    return pd.DataFrame(rows, columns=["unit_code", "name", "region_code", "town", "province"])


def _teams(locations: pd.DataFrame, team_sd: float, rng: np.random.Generator) -> pd.DataFrame:
    """1 team below 14 staff, 2 below 24, else 3; team offsets centred per location."""
    size = locations["size"].to_numpy()
    n_teams = np.where(size < 14, 1, np.where(size < 24, 2, 3))
    location = np.repeat(np.arange(len(locations)), n_teams)
    k = np.concatenate([np.arange(count) for count in n_teams])
    offsets = rng.normal(0.0, team_sd, len(location))
    offsets -= pd.Series(offsets).groupby(location).transform("mean").to_numpy()
    loc_codes = locations["unit_code"].str.removeprefix("L-").to_numpy()[location]
    loc_names = locations["name"].to_numpy()[location]
    team_names = np.asarray(TEAM_NAMES)[k]
    return pd.DataFrame(
        {
            "unit_code": [f"T-{code}-{i + 1}" for code, i in zip(loc_codes, k, strict=True)],
            "name": [f"{loc} - {team}" for loc, team in zip(loc_names, team_names, strict=True)],
            "location": location,
            "team_name": team_names,
            "offset": offsets,
        }
    )


def build_organisation(
    n_locations: int, size_range: tuple[int, int], team_sd: float, rng: np.random.Generator
) -> Organisation:
    """Company, regions, locations in real towns of their region, and 1-3 teams each."""
    regions = _regions(n_locations)
    locations = _locations(regions, n_locations, rng)
    low, high = size_range
    locations["size"] = rng.integers(low, high + 1, n_locations)
    teams = _teams(locations, team_sd, rng)
    team_parent = locations["unit_code"].to_numpy()[teams["location"].to_numpy()]
    region_codes = [code for code, _, _ in regions]
    units = pd.concat(
        [
            _unit_rows("company", ["NL"], ["Winkelketen Nederland"], [None]),
            _unit_rows(
                "region",
                region_codes,
                [f"Regio {name}" for _, name, _ in regions],
                ["NL"] * len(regions),
            ),
            _unit_rows(
                "location",
                locations["unit_code"].tolist(),
                locations["name"].tolist(),
                locations["region_code"].tolist(),
            ),
            _unit_rows("team", teams["unit_code"].tolist(), teams["name"].tolist(), team_parent.tolist()),
        ],
        ignore_index=True,
    )
    units["manager_employee_code"] = None
    return Organisation(units, locations, teams)


def _unit_rows(kind: str, unit_codes: list[str], names: list[str], parents: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame({"unit_code": unit_codes, "name": names, "kind": kind, "parent_code": parents})


def _tenure(rng: np.random.Generator, n: int, mean_years: float) -> np.ndarray:
    days = rng.exponential(mean_years * 365.25, n)
    return np.clip(days, 30, 30 * 365).astype("timedelta64[D]")


def initial_staff(org: Organisation, start: np.datetime64, rng: np.random.Generator) -> pd.DataFrame:
    """Everyone employed on the first day of the first quarter."""
    rows: list[tuple[str, int, int, str, str, bool, bool]] = [("NL", -1, -1, "", "directeur", True, False)]
    regions = org.units.loc[org.units["kind"] == "region", "unit_code"].tolist()
    rows += [(str(code), -1, -1, "", "regiomanager", True, False) for code in regions]
    team_codes, team_names = org.teams["unit_code"].tolist(), org.teams["team_name"].tolist()
    team_location = org.teams["location"].to_numpy()
    sizes = org.locations["size"].tolist()
    for loc, code in enumerate(org.locations["unit_code"].tolist()):
        rows.append((code, loc, -1, "", "filiaalmanager", True, True))
        mine = np.flatnonzero(team_location == loc).tolist()
        for team in mine:
            name = team_names[team]
            rows.append((team_codes[team], loc, team, name, "teamleider", True, name != "Magazijn"))
        weights = TEAM_WEIGHTS[: len(mine)] / TEAM_WEIGHTS[: len(mine)].sum()
        counts = rng.multinomial(sizes[loc] - 1 - len(mine), weights).tolist()
        for team, count in zip(mine, counts, strict=True):
            name = team_names[team]
            roles, probs, facing = STAFF_ROLES[name]
            for role in rng.choice(roles, size=count, p=probs).tolist():
                rows.append((team_codes[team], loc, team, name, str(role), False, facing))
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
