"""Every user-visible string has a Chinese translation, and the compiled catalogue (.mo) is
the one built from the source (.po) — a stale .mo would silently show English."""

import ast
import gettext
import re
from pathlib import Path

PO = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _entries():
    """(flags, msgctxt, msgid, msgstr) of each entry; handles wrapped strings."""
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        flags, fields, current = "", {}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags += line
            elif m := re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) (".*")$', line):
                current = m.group(1)
                fields[current] = ast.literal_eval(m.group(2))
            elif line.startswith('"') and current:
                fields[current] += ast.literal_eval(line)
        if fields.get("msgid"):
            yield flags, fields.get("msgctxt"), fields["msgid"], fields.get("msgstr", fields.get("msgstr[0]", ""))


def test_every_string_is_translated_and_none_is_fuzzy():
    entries = list(_entries())
    assert len(entries) > 200
    untranslated = [msgid for flags, _, msgid, msgstr in entries if not msgstr]
    fuzzy = [msgid for flags, _, msgid, _ in entries if "fuzzy" in flags]
    assert untranslated == []
    assert fuzzy == []


def test_the_compiled_catalogue_matches_the_source():
    catalogue = gettext.GNUTranslations(PO.with_suffix(".mo").open("rb"))
    for _flags, context, msgid, msgstr in _entries():
        got = catalogue.pgettext(context, msgid) if context else catalogue.gettext(msgid)
        assert got == msgstr, msgid
