"""Translations: which language to speak, and the gettext functions every
user-facing string goes through. Standard library only (the pure core uses it).

How a string is translated
--------------------------
- ``_("Time to stand up")`` where the text is used; ``ngettext("{n} minute",
  "{n} minutes", n).format(n=n)`` for a number; ``pgettext("month", "May")``
  where one English word has two meanings.
- A module constant (a menu label, a table of bodies) is marked with
  ``N_("...")``, which only marks it for the template and returns it unchanged,
  and translated where it is shown: ``_(PAUSE_LABEL)``. Translating at import
  time would fix the language before the settings are read.
- Placeholders are ``str.format`` names (``{minutes}``), never f-strings inside
  ``_()``: the translator moves them, the extraction refuses an f-string.
- Technical tokens stay as they are in every language: setting names
  (``camera_index``), commands (``posturewatch status``), file paths.

Catalogues
----------
``posturewatch/locale/<lang>/LC_MESSAGES/posturewatch.po``, package data read
with :mod:`importlib.resources`, parsed here (a small PO reader). There are
no ``.mo`` files: nothing to compile at build time, nothing a wheel, the
``.deb``, the ``.msi`` or the ``.exe`` could carry stale, and reading a PO of
a few hundred entries takes milliseconds, once. The template
``posturewatch/locale/posturewatch.pot`` is made by ``tools/catalogues.py``
from the source (Python's ``ast``); ``tests/test_i18n.py`` fails when it is
out of date or a catalogue misses an entry.

The pseudo-locale ``en_XA`` renders every string of the template as
``⟦Ŧîɱé ŧö šŧáñđ ûþ⟧`` (placeholders kept), and any other string unchanged, so
English left in a screen is a string that was never wrapped or never
extracted: ``tests/test_i18n_pseudo.py`` walks the screens with it.

Which language
--------------
The ``language`` setting: ``auto`` (the default) asks the OS, a code (``de``,
``es``, ``en``) overrides it. The OS's: ``LANGUAGE`` (a colon list),
``LC_ALL``, ``LC_MESSAGES``, ``LANG`` on Linux and macOS (the first that is
set, as gettext does; ``C`` and ``POSIX`` mean English), then on macOS the
``AppleLanguages`` preference (an app started from the Dock has no ``LANG``),
on Windows the user's UI language (``GetUserDefaultUILanguage``). The first
language with a catalogue wins; English when none has one.
"""

from __future__ import annotations

import gettext as _gettext
import locale
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources

DOMAIN = "posturewatch"
SOURCE_LANGUAGE = "en"
PSEUDO = "en_XA"
CONTEXT_SEPARATOR = "\x04"  # gettext's msgctxt + EOT + msgid key


# -- marking and translating --------------------------------------------------
def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark a string for the template without translating it (yet)."""
    return message


def gettext(message: str) -> str:
    """``message`` in the current language (itself when there is no translation)."""
    return _active().gettext(message)


_ = gettext


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of ``singular``/``plural`` for the count ``n``, translated."""
    return _active().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the sense ``context`` names (``pgettext("month", "May")``)."""
    return _active().pgettext(context, message)


# -- catalogues -----------------------------------------------------------------
class PoError(ValueError):
    """A catalogue that cannot be read: the file, the line and what is wrong."""


@dataclass
class PoEntry:
    msgid: str
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: list[str] = field(default_factory=list)  # one, or one per plural form
    references: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    comments: list[str] = field(default_factory=list)  # "#." extracted comments
    line: int = 0

    @property
    def key(self) -> str:
        return (self.msgctxt + CONTEXT_SEPARATOR if self.msgctxt is not None else "") + self.msgid


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


def _unquote(text: str, where: str) -> str:
    text = text.strip()
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        raise PoError(f"{where}: expected a quoted string, got {text!r}")
    body, out, i = text[1:-1], [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt not in _ESCAPES:
                raise PoError(f"{where}: unknown escape \\{nxt}")
            out.append(_ESCAPES[nxt])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def parse_po(text: str, name: str = "<po>") -> list[PoEntry]:
    """The entries of a PO file (the header is the entry whose msgid is "").
    Obsolete (``#~``) entries are skipped. Raises :class:`PoError` naming the
    line for anything it cannot read."""
    entries: list[PoEntry] = []
    entry: PoEntry | None = None
    target: tuple[str, int] | None = None  # ("msgid"|"msgid_plural"|"msgctxt"|"msgstr", index)
    pending = PoEntry("")  # comments before the next msgid

    def finish() -> None:
        nonlocal entry
        if entry is not None:
            entries.append(entry)
        entry = None

    for number, raw in enumerate(text.splitlines(), 1):
        where = f"{name}:{number}"
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if entry is not None and entry.msgstr:
                finish()
            if line.startswith("#~"):
                continue
            if line.startswith("#:"):
                pending.references += line[2:].split()
            elif line.startswith("#,"):
                pending.flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            elif line.startswith("#."):
                pending.comments.append(line[2:].strip())
            continue
        keyword, _sep, rest = line.partition(" ")
        if keyword.startswith('"'):
            if entry is None or target is None:
                raise PoError(f"{where}: a continued string outside an entry")
            value = _unquote(line, where)
            kind, index = target
            if kind == "msgstr":
                entry.msgstr[index] += value
            else:
                setattr(entry, kind, getattr(entry, kind) + value)
            continue
        if keyword in ("msgctxt", "msgid") and (entry is None or entry.msgstr):
            finish()
            entry = PoEntry("", references=pending.references, flags=pending.flags,
                            comments=pending.comments, line=number)
            pending = PoEntry("")
        if entry is None:
            raise PoError(f"{where}: {keyword!r} before any msgid")
        value = _unquote(rest, where)
        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(entry, keyword, value)
            target = (keyword, 0)
        elif keyword == "msgstr":
            entry.msgstr = [value]
            target = ("msgstr", 0)
        elif (match := re.fullmatch(r"msgstr\[(\d+)\]", keyword)) is not None:
            index = int(match.group(1))
            if index != len(entry.msgstr):
                raise PoError(f"{where}: msgstr[{index}] out of order")
            entry.msgstr.append(value)
            target = ("msgstr", index)
        else:
            raise PoError(f"{where}: unknown keyword {keyword!r}")
    finish()
    for e in entries:
        if not e.msgstr:
            raise PoError(f"{name}:{e.line}: msgid {e.msgid!r} has no msgstr")
    return entries


def header_fields(entries: Iterable[PoEntry]) -> dict[str, str]:
    """The header entry's "Name: value" lines."""
    for e in entries:
        if e.msgid == "" and e.msgctxt is None:
            return {k.strip(): v.strip() for k, _s, v in
                    (line.partition(":") for line in e.msgstr[0].splitlines()) if k.strip()}
    return {}


_PLURAL_RE = re.compile(r"nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*([^;]+);?")


def plural_rule(header: Mapping[str, str]) -> tuple[int, Callable[[int], int]]:
    """``nplurals`` and the ``plural=`` rule of a PO header as a function
    (the C expression is checked and compiled by the standard library's gettext)."""
    match = _PLURAL_RE.search(header.get("Plural-Forms", "nplurals=2; plural=(n != 1);"))
    if match is None:
        raise PoError(f"bad Plural-Forms: {header.get('Plural-Forms')!r}")
    try:
        rule = _gettext.c2py(match.group(2).strip())  # type: ignore[attr-defined]
    except (ValueError, SyntaxError, RecursionError) as exc:
        raise PoError(f"cannot read the plural rule {match.group(2)!r}: {exc}") from None
    return int(match.group(1)), rule


class Catalogue(_gettext.NullTranslations):
    """One language's translations from a PO file. An entry with an empty or
    fuzzy translation falls back to the English text."""

    def __init__(self, entries: Iterable[PoEntry], language: str) -> None:
        super().__init__()
        entries = list(entries)
        self.language = language
        self.nplurals, self.plural = plural_rule(header_fields(entries))
        self.messages: dict[str, str] = {}
        self.plurals: dict[str, list[str]] = {}
        for e in entries:
            if not e.msgid or "fuzzy" in e.flags:
                continue
            if e.msgid_plural is not None:
                if all(e.msgstr):
                    self.plurals[e.key] = e.msgstr
            elif e.msgstr[0]:
                self.messages[e.key] = e.msgstr[0]

    def gettext(self, message: str) -> str:
        return self.messages.get(message, message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        forms = self.plurals.get(msgid1)
        if forms is None:
            return msgid1 if n == 1 else msgid2
        index = self.plural(n)
        return forms[index] if 0 <= index < len(forms) else forms[-1]

    def pgettext(self, context: str, message: str) -> str:
        return self.messages.get(context + CONTEXT_SEPARATOR + message, message)


class English(_gettext.NullTranslations):
    """The source language: the texts as written."""

    language = SOURCE_LANGUAGE

    def pgettext(self, context: str, message: str) -> str:
        return message


# -- the pseudo-locale ------------------------------------------------------------
PSEUDO_OPEN, PSEUDO_CLOSE = "\u27e6", "\u27e7"  # ⟦ ⟧
_ACCENTS = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "áƀçđéƒĝĥíĵķłɱñöþǫŕšŧûṽŵẋýžÁƁÇĐÉƑĜĤÍĴĶŁṀÑÖÞǪŔŠŦÛṼŴẊÝŽ",
)
# Kept as they are: str.format fields, %-style specifiers, HTML tags and entities.
_KEEP = re.compile(r"\{[^{}]*\}|%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]|<[^<>]*>|&\w+;")


def pseudo(text: str) -> str:
    """``text`` accented, each run of words bracketed (``⟦Ŧéšŧ⟧ {n} ⟦ŧéšŧš⟧``),
    placeholders left outside the brackets, so what fills them is checked too."""
    out, last = [], 0

    def run(words: str) -> str:
        if not words.strip():
            return words
        lead, core, trail = re.match(r"(\s*)(.*?)(\s*)$", words, re.S).groups()  # type: ignore[union-attr]
        return f"{lead}{PSEUDO_OPEN}{core.translate(_ACCENTS)}{PSEUDO_CLOSE}{trail}"

    for match in _KEEP.finditer(text):
        out.append(run(text[last:match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(run(text[last:]))
    return "".join(out)


class Pseudo(_gettext.NullTranslations):
    """The pseudo-locale: every string of the template accented and bracketed,
    any other string unchanged (so it shows as English)."""

    language = PSEUDO

    def __init__(self, known: Iterable[str]) -> None:
        super().__init__()
        self.known = set(known)

    def gettext(self, message: str) -> str:
        return pseudo(message) if message in self.known else message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        text = msgid1 if n == 1 else msgid2
        return pseudo(text) if msgid1 in self.known else text

    def pgettext(self, context: str, message: str) -> str:
        known = context + CONTEXT_SEPARATOR + message in self.known
        return pseudo(message) if known else message


# -- where catalogues are --------------------------------------------------------
def _locale_dir() -> resources.abc.Traversable:
    return resources.files("posturewatch").joinpath("locale")


def available() -> list[str]:
    """The languages with a catalogue (besides English, always there), sorted."""
    root = _locale_dir()
    found = []
    for child in root.iterdir() if root.is_dir() else ():
        if child.joinpath("LC_MESSAGES", f"{DOMAIN}.po").is_file():
            found.append(child.name)
    return sorted(found)


def catalogue_text(language: str) -> str:
    """The PO file of ``language`` as text."""
    return _locale_dir().joinpath(language, "LC_MESSAGES", f"{DOMAIN}.po").read_text("utf-8")


def template_text() -> str:
    """The template (``posturewatch.pot``) as text."""
    return _locale_dir().joinpath(f"{DOMAIN}.pot").read_text("utf-8")


def load(language: str) -> _gettext.NullTranslations:
    """The translations for one exact code: ``en``, ``en_XA`` or one of
    :func:`available`. KeyError when there is no catalogue for it."""
    if language == SOURCE_LANGUAGE:
        return English()
    if language == PSEUDO:
        return Pseudo(e.key for e in parse_po(template_text(), f"{DOMAIN}.pot") if e.msgid)
    if language not in available():
        raise KeyError(language)
    name = f"locale/{language}/LC_MESSAGES/{DOMAIN}.po"
    return Catalogue(parse_po(catalogue_text(language), name), language)


# -- which language ------------------------------------------------------------------
def _normalise(code: str) -> str:
    """'de_DE.UTF-8@euro' -> 'de_DE'; 'es-MX' -> 'es_MX'; 'C' -> ''."""
    code = code.strip().split(".")[0].split("@")[0].replace("-", "_")
    if code in ("", "C", "POSIX"):
        return ""
    lang, _sep, region = code.partition("_")
    return lang.lower() + (f"_{region.upper()}" if region else "")


def os_languages(environ: Mapping[str, str] | None = None, platform: str = sys.platform,
                 windows_ui: Callable[[], str | None] | None = None,
                 mac_preferred: Callable[[], list[str]] | None = None) -> list[str]:
    """The user's languages, most wanted first, as codes like ``de_DE``.

    ``environ`` (default ``os.environ``), the Windows UI language and the
    macOS preference are seams for tests."""
    env = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if not value:
            continue
        codes = [_normalise(v) for v in value.split(":")] if name == "LANGUAGE" else [
            _normalise(value)]
        codes = [c for c in codes if c]
        if codes:
            return codes
        if name != "LANGUAGE":  # LANG=C: English, as gettext does
            return [SOURCE_LANGUAGE]
    if platform == "win32":
        code = (windows_ui or _windows_ui_language)()
        return [_normalise(code)] if code else []
    if platform == "darwin":
        return [c for c in (_normalise(v) for v in (mac_preferred or _mac_languages)()) if c]
    return []


def _windows_ui_language() -> str | None:
    """The Windows user's display language ('de_DE'), from its LANGID."""
    try:
        import ctypes

        langid = ctypes.windll.kernel32.GetUserDefaultUILanguage()  # type: ignore[attr-defined]
    except (ImportError, AttributeError, OSError):
        return None
    return locale.windows_locale.get(int(langid))


def _mac_languages() -> list[str]:
    """macOS's preferred languages (``defaults read -g AppleLanguages``)."""
    try:
        out = subprocess.run(["defaults", "read", "-g", "AppleLanguages"], capture_output=True,
                             text=True, timeout=3, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return parse_apple_languages(out)


def parse_apple_languages(text: str) -> list[str]:
    """``("de-DE", en)`` (the output of ``defaults read``) -> ['de-DE', 'en']."""
    return [m.strip().strip('"') for m in text.strip().strip("()").split(",") if m.strip()]


def choose(wanted: Iterable[str], have: Iterable[str]) -> str:
    """The first of ``wanted`` (codes like ``de_AT``) with a catalogue in
    ``have``, by its full code or its language alone; English when none."""
    have = set(have) | {SOURCE_LANGUAGE, PSEUDO}
    for code in wanted:
        code = _normalise(code)
        if code in have:
            return code
        lang = code.split("_")[0]
        if lang in have:
            return lang
    return SOURCE_LANGUAGE


def resolve(setting: str = "auto", environ: Mapping[str, str] | None = None) -> str:
    """The language to use for the ``language`` setting (``auto`` or a code)."""
    if setting and setting != "auto":
        return choose([setting], available())
    return choose(os_languages(environ), available())


_lock = threading.Lock()
_current: _gettext.NullTranslations | None = None


def use(setting: str = "auto") -> str:
    """Speak the language the ``language`` setting names (``auto``: the OS's);
    returns the code in use. A catalogue that cannot be read leaves English
    (and says so on stderr): a translation never stops the program."""
    global _current
    code = resolve(setting)
    try:
        translations = load(code)
    except (OSError, KeyError, PoError) as exc:
        print(f"posturewatch: cannot read the {code} translation ({exc}); using English",
              file=sys.stderr)
        translations, code = English(), SOURCE_LANGUAGE
    with _lock:
        _current = translations
    return code


def current() -> str:
    """The language code in use (``en``, ``de``, ``en_XA`` ...)."""
    return getattr(_active(), "language", SOURCE_LANGUAGE)


def _active() -> _gettext.NullTranslations:
    translations = _current
    if translations is None:
        use("auto")
        translations = _current
    assert translations is not None
    return translations
