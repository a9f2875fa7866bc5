"""Add every new web message to the Dutch catalogue (``make messages``); translations stay.

Untranslated messages get an empty ``msgstr``; ``tests/test_web_i18n.py`` fails until a
translator fills them in.
"""

from __future__ import annotations

from importlib import resources

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from servicechain.web.i18n import extract_messages


def main() -> None:
    path = resources.files("servicechain.web") / "locale" / "nl" / "LC_MESSAGES" / "messages.po"
    try:
        with path.open("rb") as handle:
            old = read_po(handle, locale="nl")
    except FileNotFoundError:
        old = Catalog(locale="nl")
    found = extract_messages()
    new = Catalog(locale="nl", project="servicechain", copyright_holder="servicechain contributors")
    for message, places in sorted(found.items()):
        previous = old.get(message)
        locations = [(p.split(":")[0], int(p.split(":")[1])) for p in places]
        new.add(message, previous.string if previous else "", locations=locations)
    with open(str(path), "wb") as handle:
        write_po(handle, new, width=100, sort_output=True)
    missing = [m for m in new if m.id and not m.string]
    print(f"{len(found)} messages, {len(missing)} without a Dutch translation: {path}")


if __name__ == "__main__":
    main()
