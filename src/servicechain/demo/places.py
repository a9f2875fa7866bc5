"""Dutch places and names for the demo organisation.

Every town is real and sits in its real province; the sales region of a town follows
the usual Dutch retail split (Noord, Oost, Zuid, West and the Randstad conurbation).
Store sites are known shopping streets or centres of the town; further stores in the same
town get a neighbourhood suffix.
"""

from __future__ import annotations

from typing import NamedTuple


class Town(NamedTuple):
    """A town with a 3-letter code (used in unit codes), its province, region and sites."""

    name: str
    code: str
    province: str
    region: str
    sites: tuple[str, ...]


REGIONS = ("Randstad", "Zuid", "Oost", "Noord", "West")
"""Sales regions, in the order a growing chain opens them."""

GENERIC_SITES = ("Centrum", "Station", "Noord", "Zuid", "Oost", "West", "Winkelcentrum", "Markt")

_T = Town
TOWNS: tuple[Town, ...] = (
    _T("Groningen", "GRO", "Groningen", "Noord", ("Herestraat", "Paddepoel")),
    _T("Leeuwarden", "LWD", "Friesland", "Noord", ("Nieuwestad",)),
    _T("Assen", "ASN", "Drenthe", "Noord", ("Koopmansplein",)),
    _T("Emmen", "EMM", "Drenthe", "Noord", ()),
    _T("Drachten", "DRA", "Friesland", "Noord", ()),
    _T("Sneek", "SNK", "Friesland", "Noord", ("Oosterdijk",)),
    _T("Heerenveen", "HRV", "Friesland", "Noord", ("Dracht",)),
    _T("Hoogeveen", "HGV", "Drenthe", "Noord", ("Hoofdstraat",)),
    _T("Zwolle", "ZWL", "Overijssel", "Oost", ("Diezerstraat",)),
    _T("Enschede", "ENS", "Overijssel", "Oost", ("Kalanderstraat",)),
    _T("Hengelo", "HGL", "Overijssel", "Oost", ("Enschedesestraat",)),
    _T("Almelo", "ALO", "Overijssel", "Oost", ("Grotestraat",)),
    _T("Deventer", "DEV", "Overijssel", "Oost", ("Lange Bisschopstraat",)),
    _T("Kampen", "KAM", "Overijssel", "Oost", ("Oudestraat",)),
    _T("Apeldoorn", "APD", "Gelderland", "Oost", ("Hoofdstraat",)),
    _T("Arnhem", "ARN", "Gelderland", "Oost", ("Ketelstraat",)),
    _T("Nijmegen", "NIJ", "Gelderland", "Oost", ("Broerstraat", "Dukenburg")),
    _T("Ede", "EDE", "Gelderland", "Oost", ("Grotestraat",)),
    _T("Zutphen", "ZUT", "Gelderland", "Oost", ("Beukerstraat",)),
    _T("Doetinchem", "DTC", "Gelderland", "Oost", ("Hamburgerstraat",)),
    _T("Harderwijk", "HDW", "Gelderland", "Oost", ("Donkerstraat",)),
    _T("Lelystad", "LEL", "Flevoland", "Oost", ()),
    _T("Eindhoven", "EHV", "Noord-Brabant", "Zuid", ("Demer", "Woensel")),
    _T("Tilburg", "TIL", "Noord-Brabant", "Zuid", ("Heuvelstraat",)),
    _T("Breda", "BRD", "Noord-Brabant", "Zuid", ("Ginnekenstraat",)),
    _T("'s-Hertogenbosch", "DBS", "Noord-Brabant", "Zuid", ("Hinthamerstraat",)),
    _T("Helmond", "HEL", "Noord-Brabant", "Zuid", ()),
    _T("Oss", "OSS", "Noord-Brabant", "Zuid", ()),
    _T("Maastricht", "MST", "Limburg", "Zuid", ("Grote Staat",)),
    _T("Heerlen", "HRL", "Limburg", "Zuid", ("Saroleastraat",)),
    _T("Venlo", "VNL", "Limburg", "Zuid", ("Lomstraat",)),
    _T("Roermond", "RMD", "Limburg", "Zuid", ("Steenweg",)),
    _T("Sittard", "SIT", "Limburg", "Zuid", ("Limbrichterstraat",)),
    _T("Middelburg", "MBG", "Zeeland", "West", ("Lange Delft",)),
    _T("Vlissingen", "VLS", "Zeeland", "West", ("Walstraat",)),
    _T("Goes", "GOE", "Zeeland", "West", ("Lange Kerkstraat",)),
    _T("Alkmaar", "ALK", "Noord-Holland", "West", ("Langestraat",)),
    _T("Den Helder", "HLD", "Noord-Holland", "West", ("Keizerstraat",)),
    _T("Hoorn", "HRN", "Noord-Holland", "West", ("Grote Noord",)),
    _T("Purmerend", "PMR", "Noord-Holland", "West", ()),
    _T("Zaandam", "ZDM", "Noord-Holland", "West", ("Gedempte Gracht",)),
    _T("Gouda", "GDA", "Zuid-Holland", "West", ("Markt",)),
    _T("Alphen aan den Rijn", "AAR", "Zuid-Holland", "West", ("Hooftstraat",)),
    _T("Amsterdam", "AMS", "Noord-Holland", "Randstad", ("Kalverstraat", "Amsterdamse Poort")),
    _T("Rotterdam", "RTD", "Zuid-Holland", "Randstad", ("Lijnbaan", "Zuidplein")),
    _T("Den Haag", "DHG", "Zuid-Holland", "Randstad", ("Grote Marktstraat", "Leyweg")),
    _T("Utrecht", "UTR", "Utrecht", "Randstad", ("Centraal", "Overvecht")),
    _T("Haarlem", "HLM", "Noord-Holland", "Randstad", ("Grote Houtstraat",)),
    _T("Leiden", "LDN", "Zuid-Holland", "Randstad", ("Haarlemmerstraat",)),
    _T("Delft", "DLF", "Zuid-Holland", "Randstad", ("Markt",)),
    _T("Zoetermeer", "ZTM", "Zuid-Holland", "Randstad", ("Stadshart",)),
    _T("Dordrecht", "DDR", "Zuid-Holland", "Randstad", ("Voorstraat",)),
    _T("Schiedam", "SDM", "Zuid-Holland", "Randstad", ("Hoogstraat",)),
    _T("Amersfoort", "AMF", "Utrecht", "Randstad", ("Langestraat",)),
    _T("Nieuwegein", "NWG", "Utrecht", "Randstad", ("Cityplaza",)),
    _T("Zeist", "ZST", "Utrecht", "Randstad", ("Slotlaan",)),
    _T("Almere", "ALM", "Flevoland", "Randstad", ("Stadhart",)),
    _T("Amstelveen", "AMV", "Noord-Holland", "Randstad", ("Stadshart",)),
    _T("Hilversum", "HVS", "Noord-Holland", "Randstad", ("Kerkstraat",)),
)

FIRST_NAMES = (
    "Sanne", "Daan", "Emma", "Lucas", "Julia", "Sem", "Tess", "Finn", "Lotte", "Bram",
    "Fleur", "Jesse", "Anouk", "Thijs", "Iris", "Ruben", "Noor", "Milan", "Eva", "Lars",
    "Sophie", "Jasper", "Lieke", "Femke", "Koen", "Maud", "Stijn", "Ilse", "Niels", "Marieke",
    "Kees", "Anke", "Mohammed", "Fatima", "Yasmina", "Ayoub", "Omar", "Elif", "Emre", "Priya",
    "Arjun", "Mei", "Wei", "Olga", "Piotr", "Ana", "Mateo", "Chloé", "Liam", "Kofi", "Amara",
    "Sara", "Nina", "Ahmed",
)  # fmt: skip

LAST_NAMES = (
    "de Vries", "Jansen", "de Jong", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
    "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Dijk", "van den Berg",
    "Dekker", "Brouwer", "Kok", "Jacobs", "Vermeulen", "van Leeuwen", "Willems", "Koster",
    "Yılmaz", "El Amrani", "Bouzid", "Nguyen", "Kowalski", "Santos", "Öztürk", "Chen",
    "Patel", "Mensah", "Kaya", "Haddou", "da Silva", "Novak",
)  # fmt: skip


def towns_in(region: str) -> tuple[Town, ...]:
    """The towns of one sales region, in the order of :data:`TOWNS`."""
    return tuple(town for town in TOWNS if town.region == region)


def site_name(town: Town, nth: int) -> str:
    """The name of the ``nth`` (0-based) store in ``town``: a known site, then a suffix."""
    if nth < len(town.sites):
        return f"{town.name} {town.sites[nth]}"
    generic = [site for site in GENERIC_SITES if site not in town.sites]
    index = nth - len(town.sites)
    suffix = generic[index % len(generic)]
    if index >= len(generic):
        suffix = f"{suffix} {index // len(generic) + 1}"
    return f"{town.name} {suffix}"
