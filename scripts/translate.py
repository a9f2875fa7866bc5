"""Fill Dutch translations into the catalogue from a JSON file ``{English: Dutch}`` (a helper for
translators: ``python scripts/translate.py new.json``); existing translations are replaced."""

from __future__ import annotations

import json
import sys
from importlib import resources

from babel.messages.pofile import read_po, write_po


def main(source: str) -> None:
    path = resources.files("servicechain.web") / "locale" / "nl" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="nl")
    with open(source, encoding="utf-8") as handle:
        translations = json.load(handle)
    unknown = [key for key in translations if key not in catalog]
    for message, dutch in translations.items():
        if message in catalog:
            catalog[message].string = dutch
    with open(str(path), "wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True)
    print(f"{len(translations) - len(unknown)} translations written; not in the catalogue: {unknown}")


if __name__ == "__main__":
    main(sys.argv[1])
