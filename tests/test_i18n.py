"""Translations: the catalogues are complete and current, the language comes
from the OS (or the ``language`` setting), plurals and placeholders work.

The template ``posturewatch/locale/posturewatch.pot`` is made by
``tools/catalogues.py`` from the source; these tests fail when a wrapped
string is missing from it or from a catalogue, when a translation loses a
placeholder, or when a call cannot be extracted (an f-string inside ``_()``).
"""

from __future__ import annotations

import re
import string
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from posturewatch import i18n

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
import catalogues  # noqa: E402

LANGUAGES = ("de", "es")


@pytest.fixture
def language() -> Iterator[None]:
    """Whatever a test switches to, the next test starts in English."""
    yield
    i18n.use("en")


def _entries(language: str) -> list[i18n.PoEntry]:
    return [e for e in i18n.parse_po(i18n.catalogue_text(language), language) if e.msgid]


def _template() -> list[i18n.PoEntry]:
    return [e for e in i18n.parse_po(i18n.template_text(), "pot") if e.msgid]


# -- the template and the catalogues ---------------------------------------------------
def test_the_template_is_current_and_every_call_can_be_extracted() -> None:
    found, errors = catalogues.extract()
    assert errors == []
    assert catalogues.TEMPLATE.read_text(encoding="utf-8") == catalogues.template(found), (
        "posturewatch.pot is out of date: run `python tools/catalogues.py`")
    assert len(found) > 300


def test_the_extraction_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from posturewatch.i18n import _, ngettext\n"
        "name = 'x'\n"
        "a = _(f'Hello {name}')\n"
        "b = ngettext('one', name, 2)\n"
        "for _ in range(2):\n"
        "    pass\n", encoding="utf-8")
    catalogues_root = catalogues.ROOT
    try:
        catalogues.ROOT = tmp_path
        found, errors = catalogues.extract([bad])
    finally:
        catalogues.ROOT = catalogues_root
    assert found == []
    assert any("f-string" in e for e in errors), errors
    assert any("ngettext() needs two string literals" in e for e in errors), errors
    assert any("shadowing gettext" in e for e in errors), errors


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_template_string_is_translated(language: str) -> None:
    template = {e.key: e for e in _template()}
    catalogue = {e.key: e for e in _entries(language)}
    missing = sorted(set(template) - set(catalogue))
    assert missing == [], f"{language}: not in the catalogue (run tools/catalogues.py)"
    obsolete = sorted(set(catalogue) - set(template))
    assert obsolete == [], f"{language}: no longer in the source (run tools/catalogues.py)"
    untranslated = [k for k, e in catalogue.items() if not all(e.msgstr) or "fuzzy" in e.flags]
    assert untranslated == [], f"{language}: {len(untranslated)} untranslated"
    plural = [e for e in catalogue.values() if e.msgid_plural is not None]
    assert plural and all(len(e.msgstr) == 2 for e in plural)


def _fields(text: str) -> set[str]:
    """The str.format field names of ``text`` (with their format spec)."""
    return {f"{name}:{spec}" for _lit, name, spec, _conv in string.Formatter().parse(text)
            if name is not None}


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_placeholders_and_technical_tokens(language: str) -> None:
    problems = []
    for e in _entries(language):
        sources = [e.msgid] if e.msgid_plural is None else [e.msgid_plural, e.msgid_plural]
        for source, text in zip(sources, e.msgstr, strict=True):
            want = _fields(source) if e.msgid_plural is None else _fields(source)
            got = _fields(text)
            # A singular may leave out the count ("1 minute" -> "eine Minute").
            if got != want and not (e.msgid_plural is not None and got <= want
                                    and text is e.msgstr[0]):
                problems.append(f"{e.msgid!r}: {sorted(got)} != {sorted(want)}")
            # Commands, settings and environment variables in backquotes or
            # capitals stay as they are.
            for token in re.findall(r"`[^`]+`|\b[A-Z][A-Z_]{4,}\b|\b[a-z]+_[a-z_]+\b", source):
                if token not in text:
                    problems.append(f"{e.msgid!r}: {token} is missing from {text!r}")
    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogues_are_what_the_merge_would_write(language: str) -> None:
    path = catalogues.LOCALE / language / "LC_MESSAGES" / "posturewatch.po"
    before = path.read_text(encoding="utf-8")
    assert catalogues.merge(_template(), before, language) == before, (
        "run `python tools/catalogues.py`")


def test_po_reader_reads_escapes_plurals_and_context_and_names_bad_lines() -> None:
    text = (
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=3; plural=n==1 ? 0 : n<5 ? 1 : 2;\\n"\n\n'
        '#, fuzzy\nmsgid "Old"\nmsgstr "Alt"\n\n'
        'msgctxt "month"\nmsgid "May"\nmsgstr "Mai"\n\n'
        'msgid "Say \\"hi\\"\\n"\nmsgstr ""\n"Sag "\n"\\"hallo\\"\\n"\n\n'
        'msgid "{n} file"\nmsgid_plural "{n} files"\nmsgstr[0] "{n} A"\n'
        'msgstr[1] "{n} B"\nmsgstr[2] "{n} C"\n'
    )
    catalogue = i18n.Catalogue(i18n.parse_po(text, "x.po"), "xx")
    assert catalogue.gettext("Old") == "Old"  # fuzzy: not used
    assert catalogue.pgettext("month", "May") == "Mai"
    assert catalogue.gettext("May") == "May"
    assert catalogue.gettext('Say "hi"\n') == 'Sag "hallo"\n'
    assert [catalogue.ngettext("{n} file", "{n} files", n) for n in (1, 3, 7)] == [
        "{n} A", "{n} B", "{n} C"]
    with pytest.raises(i18n.PoError, match=r"x\.po:2: unknown keyword 'msgstrr'"):
        i18n.parse_po('msgid "a"\nmsgstrr "b"\n', "x.po")
    with pytest.raises(i18n.PoError, match="x.po:1"):
        i18n.parse_po('msgid "a\n', "x.po")


# -- which language -------------------------------------------------------------------
@pytest.mark.parametrize(("environ", "want"), [
    ({"LANG": "de_DE.UTF-8"}, "de"),
    ({"LANG": "es_MX.UTF-8"}, "es"),
    ({"LANG": "de_AT.UTF-8@euro", "LC_MESSAGES": "es_ES.UTF-8"}, "es"),
    ({"LANG": "de_DE.UTF-8", "LC_ALL": "C"}, "en"),
    ({"LANGUAGE": "fr:es:de", "LANG": "de_DE.UTF-8"}, "es"),
    ({"LANGUAGE": "fr", "LANG": "de_DE.UTF-8"}, "en"),
    ({"LANG": "fr_FR.UTF-8"}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({}, "en"),
])
def test_the_language_comes_from_the_environment(environ: dict[str, str], want: str) -> None:
    assert i18n.choose(i18n.os_languages(environ, "linux"), i18n.available()) == want


def test_windows_and_macos_ask_the_system() -> None:
    assert i18n.os_languages({}, "win32", windows_ui=lambda: "de_DE") == ["de_DE"]
    assert i18n.os_languages({}, "win32", windows_ui=lambda: None) == []
    assert i18n.os_languages({"LANG": "es_ES.UTF-8"}, "win32",
                             windows_ui=lambda: "de_DE") == ["es_ES"]
    prefs = i18n.parse_apple_languages('(\n    "es-419",\n    "en-GB"\n)\n')
    assert prefs == ["es-419", "en-GB"]
    wanted = i18n.os_languages({}, "darwin", mac_preferred=lambda: prefs)
    assert wanted == ["es_419", "en_GB"]
    assert i18n.choose(wanted, ["de", "es"]) == "es"


def test_the_language_setting_overrides_the_os(language: None,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANGUAGE", "de")
    assert i18n.use("auto") == "de"
    assert i18n.gettext("Breaks") == "Pausen"
    assert i18n.use("es") == "es"
    assert i18n.gettext("Breaks") == "Pausas"
    assert i18n.use("fr") == "en"  # no catalogue: English
    assert i18n.gettext("Breaks") == "Breaks"


def test_the_language_setting_is_a_checked_key() -> None:
    from posturewatch.config import KEYS, Settings

    assert Settings().language == "auto"
    KEYS["language"].validate("de")
    assert KEYS["language"].validate("ES") == "es"
    with pytest.raises(ValueError):
        KEYS["language"].validate("German!")


def test_plurals_in_german_and_spanish(language: None) -> None:
    from posturewatch.report.wording import format_duration

    i18n.use("de")
    assert [i18n.ngettext("{n} point", "{n} points", n).format(n=n) for n in (1, 2)] == [
        "1 Punkt", "2 Punkte"]
    assert format_duration(3900) == "1 Std. 05 Min."
    i18n.use("es")
    assert [i18n.ngettext("{n} point", "{n} points", n).format(n=n) for n in (1, 2)] == [
        "1 punto", "2 puntos"]


def test_weekday_and_month_names_follow_the_language(language: None) -> None:
    from datetime import date

    from posturewatch.calendar_words import month_name, weekday_name

    day = date(2026, 5, 4)  # a Monday in May
    i18n.use("de")
    assert (weekday_name(day), weekday_name(day, short=True)) == ("Montag", "Mo")
    assert (month_name(day), month_name(day, short=True)) == ("Mai", "Mai")
    i18n.use("es")
    assert (weekday_name(day), month_name(day), month_name(day, short=True)) == (
        "lunes", "mayo", "may")
    i18n.use("en")
    assert (weekday_name(day, short=True), month_name(12, short=True)) == ("Mon", "Dec")


def test_pseudo_locale_marks_template_strings_only(language: None) -> None:
    i18n.use(i18n.PSEUDO)
    shown = i18n.gettext("Breaks")
    assert shown.startswith(i18n.PSEUDO_OPEN) and shown.endswith(i18n.PSEUDO_CLOSE)
    assert "Breaks" not in shown
    assert i18n.gettext("not in the template") == "not in the template"
    kept = i18n.pseudo("Paused until {time} (%(n)s <b>x</b> &amp;)")
    assert "{time}" in kept and "%(n)s" in kept and "<b>" in kept and "&amp;" in kept


def test_a_broken_catalogue_falls_back_to_english(language: None,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(i18n, "catalogue_text", lambda _lang: 'msgid "a"\nbroken\n')
    assert i18n.use("de") == "en"
    assert "cannot read the de translation" in capsys.readouterr().err
    assert i18n.gettext("Breaks") == "Breaks"
