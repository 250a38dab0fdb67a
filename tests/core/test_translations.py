"""The zh_Hans catalogues are complete: CI fails on an untranslated, fuzzy or missing msgid.

Compiling a catalogue (msgfmt, or polib in ``compiletranslations``) drops fuzzy and
empty entries, so users would see the English msgid without any error.
"""

import os
import re
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "src" / "salespulse"
CATALOGUE = Path("locale") / "zh_Hans" / "LC_MESSAGES" / "django.po"
CATALOGUES = sorted(PACKAGE_DIR.glob(f"**/{CATALOGUE}"))
APP_DIRS = sorted(path.parent for path in PACKAGE_DIR.glob("*/apps.py"))
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")


def _catalogue_id(path: Path) -> str:
    return str(path.relative_to(PACKAGE_DIR))


def _entry_key(entry: polib.POEntry) -> tuple[str | None, str]:
    return (entry.msgctxt, entry.msgid)


def test_catalogues_exist():
    assert CATALOGUES, f"no zh_Hans catalogue under {PACKAGE_DIR}"


@pytest.mark.parametrize("po_path", CATALOGUES, ids=_catalogue_id)
def test_catalogue_has_no_untranslated_or_fuzzy_entry(po_path):
    catalogue = polib.pofile(str(po_path))

    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]

    assert untranslated == [], f"{po_path}: translate these msgids"
    assert fuzzy == [], f"{po_path}: review these fuzzy entries and remove the fuzzy flag"


@pytest.mark.parametrize("po_path", CATALOGUES, ids=_catalogue_id)
def test_translations_keep_placeholders(po_path):
    """A msgstr with a renamed %(name)s placeholder raises KeyError when shown."""
    catalogue = polib.pofile(str(po_path))

    mismatched = []
    for entry in catalogue.translated_entries():
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for translation in translations:
            if set(PLACEHOLDER.findall(translation)) != set(PLACEHOLDER.findall(entry.msgid)):
                mismatched.append(entry.msgid)

    assert mismatched == [], f"{po_path}: placeholders differ between msgid and msgstr"


@pytest.mark.parametrize("app_dir", APP_DIRS, ids=lambda path: path.name)
def test_every_msgid_in_code_is_in_catalogue(app_dir, tmp_path, monkeypatch, settings):
    """Extract the app's msgids into a copy and compare them with its committed catalogue."""
    if shutil.which("xgettext") is None:
        if os.environ.get("CI"):
            pytest.fail("xgettext is missing; install Debian's gettext package")
        pytest.skip("xgettext is missing (Debian package gettext); CI runs this check")

    copy = tmp_path / app_dir.name
    shutil.copytree(
        app_dir, copy, ignore=shutil.ignore_patterns("locale", "__pycache__", "migrations")
    )
    (copy / "locale").mkdir()
    # With LOCALE_PATHS set, makemessages writes to its first entry, which is inside the repository.
    settings.LOCALE_PATHS = []
    monkeypatch.chdir(copy)

    call_command(
        "makemessages", locale=["zh_Hans"], no_location=True, no_obsolete=True, verbosity=0
    )

    extracted_path = copy / CATALOGUE
    extracted = (
        {_entry_key(entry) for entry in polib.pofile(str(extracted_path))}
        if extracted_path.exists()
        else set()
    )
    committed_path = app_dir / CATALOGUE
    committed = (
        {_entry_key(entry) for entry in polib.pofile(str(committed_path)).translated_entries()}
        if committed_path.exists()
        else set()
    )
    missing = sorted(msgid for _context, msgid in extracted - committed)
    assert missing == [], (
        f"{app_dir.name}: run `make messages`, translate these msgids in {committed_path}, "
        "then `salespulse compiletranslations`"
    )
