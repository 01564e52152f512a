"""Every translation catalog is complete, and what runs is what was translated.

For each `locale/<lang>/LC_MESSAGES/django.po`: no entry is untranslated or fuzzy (a fuzzy entry
is a guess gettext does not use, so the screen would show English), each translation keeps the
placeholders of its source (a lost `%(name)s` is a crash or a garbled sentence at run time), and
the committed `.mo` next to it holds exactly these translations (running needs no gettext, so a
stale `.mo` would ship yesterday's words).
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"
CATALOGS = sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


def _lang(po_path: Path) -> str:
    return po_path.parent.parent.name


def _live(po: polib.POFile) -> list[polib.POEntry]:
    return [e for e in po if not e.obsolete and e.msgid]


def _translations(entry: polib.POEntry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def test_there_are_catalogs():
    assert CATALOGS, f"no catalogs under {LOCALE}"


@pytest.mark.parametrize("po_path", CATALOGS, ids=_lang)
def test_catalog_is_complete(po_path):
    po = polib.pofile(str(po_path))
    missing = [e.msgid for e in _live(po) if "fuzzy" in e.flags or not all(_translations(e))]
    assert not missing, f"{_lang(po_path)}: {len(missing)} untranslated or fuzzy: {missing[:10]}"


@pytest.mark.parametrize("po_path", CATALOGS, ids=_lang)
def test_translations_keep_their_placeholders(po_path):
    wrong = []
    for entry in _live(polib.pofile(str(po_path))):
        wanted = {m.group(0) for m in PLACEHOLDER.finditer(entry.msgid)}
        if entry.msgid_plural:
            wanted |= {m.group(0) for m in PLACEHOLDER.finditer(entry.msgid_plural)}
        for text in _translations(entry):
            got = {m.group(0) for m in PLACEHOLDER.finditer(text)}
            # A plural form may leave the count out ("一条投诉"), never add or rename one.
            if got - wanted or (wanted - got) - {"%(count)d"}:
                wrong.append((entry.msgid, text))
    assert not wrong, f"{_lang(po_path)}: placeholders differ: {wrong[:5]}"


@pytest.mark.parametrize("po_path", CATALOGS, ids=_lang)
def test_compiled_catalog_matches_its_source(po_path):
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path.name} missing: run manage.py compilemessages"
    with mo_path.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = []
    for entry in _live(polib.pofile(str(po_path))):
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:  # gettext keys plural forms by (msgid, n)
            same = compiled._catalog.get((key, 0)) == entry.msgstr_plural[0]
        else:
            same = compiled._catalog.get(key) == entry.msgstr
        if not same:
            stale.append(entry.msgid)
    assert not stale, (
        f"{_lang(po_path)}: the .mo is older than the .po for {len(stale)} entries "
        f"({stale[:5]}): run manage.py compilemessages"
    )


def test_catalogs_hold_every_marked_string(tmp_path):
    """A string marked for translation in the code but missing from a catalog would show in
    English: run makemessages on a copy of the tree and compare."""
    if shutil.which("xgettext") is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs gettext (xgettext) to check the catalogs")
        pytest.skip("gettext is not installed (apt-get install gettext)")
    root = LOCALE.parent
    copy = tmp_path / "tree"
    shutil.copytree(
        root,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "var", "test-artifacts", "__pycache__", "*.mo", "node_modules"
        ),
    )
    langs = [_lang(p) for p in CATALOGS]
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            *(f"-l{lang}" for lang in langs),
            "--no-location",
            "--ignore=tests/*",
            "-v0",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    for lang in langs:
        source = {
            (e.msgctxt, e.msgid)
            for e in _live(polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po")))
        }
        fresh = {
            (e.msgctxt, e.msgid)
            for e in _live(polib.pofile(str(copy / "locale" / lang / "LC_MESSAGES" / "django.po")))
        }
        missing = sorted(m for _, m in fresh - source)
        assert not missing, (
            f"{lang}: {len(missing)} marked strings are not in the catalog ({missing[:5]}): "
            f"run manage.py makemessages -l {lang} --no-location --ignore='.venv/*' "
            "--ignore='tests/*', translate, compilemessages"
        )
