"""Make the translation template and keep the catalogues in step with the source.

    python tools/catalogues.py            # write posturewatch/locale/posturewatch.pot
                                          # and merge it into every <lang>/.../posturewatch.po
    python tools/catalogues.py --check    # exit 1 when the template is out of date or
                                          # a catalogue misses (or has obsolete) entries

Extraction reads the source with Python's ``ast``: every call of ``_``,
``gettext``, ``N_`` (one string), ``ngettext`` (two) and ``pgettext``
(context, string) whose arguments are string literals. A call with anything
else in those places (an f-string, a concatenation with a variable) is an
error: its text could not be in the template. ``_(NAME)`` with a variable is
fine: the constant was marked with ``N_`` where it is defined.

Merging keeps every translation whose msgid is still in the template, adds
new entries with an empty translation (which fall back to English and make
the completeness test fail), and drops entries no longer in the source.
References name the file only (no line numbers), so moving code does not
change the catalogues.
"""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "posturewatch"
LOCALE = PACKAGE / "locale"
TEMPLATE = LOCALE / "posturewatch.pot"

sys.path.insert(0, str(ROOT))
from posturewatch.i18n import PoEntry, header_fields, parse_po  # noqa: E402

ONE = {"_", "gettext", "N_"}
PLURAL = {"ngettext"}
CONTEXT = {"pgettext"}

LANGUAGE_TEAMS = {
    "de": ("German", "nplurals=2; plural=(n != 1);"),
    "es": ("Spanish", "nplurals=2; plural=(n != 1);"),
}


@dataclass
class Found:
    msgid: str
    msgid_plural: str | None = None
    msgctxt: str | None = None
    references: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return (self.msgctxt + "\x04" if self.msgctxt is not None else "") + self.msgid


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
            and func.value.id == "i18n":
        return func.attr
    return None


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def extract(files: list[Path] | None = None) -> tuple[list[Found], list[str]]:
    """The wrapped strings of the package, in order of first use, and the
    calls that could not be read (``file:line: why``)."""
    files = files if files is not None else sorted(PACKAGE.rglob("*.py"))
    found: dict[str, Found] = {}
    errors: list[str] = []
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        tree = ast.parse(source, str(path))
        imports_underscore = any(
            isinstance(n, ast.ImportFrom) and n.module == "posturewatch.i18n"
            and any(a.name == "_" for a in n.names) for n in ast.walk(tree))
        if imports_underscore:
            errors += [f"{rel}:{n.lineno}: `_` is assigned here, shadowing gettext's _ "
                       "(name the throwaway value)" for n in ast.walk(tree)
                       if isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store)]
        calls = sorted((n for n in ast.walk(tree) if isinstance(n, ast.Call)),
                       key=lambda n: (n.lineno, n.col_offset))
        for call in calls:
            name = _name(call.func)
            if name is None or name not in ONE | PLURAL | CONTEXT:
                continue
            where = f"{rel}:{call.lineno}"
            args = call.args
            if name in ONE:
                texts = [_literal(args[0])] if len(args) == 1 else [None]
                if texts[0] is None and name == "N_":
                    errors.append(f"{where}: N_() needs one string literal")
                    continue
                if texts[0] is None:  # _(CONSTANT): marked where defined
                    if args and isinstance(args[0], ast.JoinedStr):
                        errors.append(f"{where}: an f-string inside {name}(): use "
                                      "{placeholders} and .format()")
                    continue
                item = Found(texts[0])
            elif name in PLURAL:
                if len(args) != 3 or _literal(args[0]) is None or _literal(args[1]) is None:
                    errors.append(f"{where}: ngettext() needs two string literals and a count")
                    continue
                item = Found(_literal(args[0]) or "", _literal(args[1]))
            else:
                if len(args) != 2 or _literal(args[0]) is None or _literal(args[1]) is None:
                    errors.append(f"{where}: pgettext() needs two string literals")
                    continue
                item = Found(_literal(args[1]) or "", msgctxt=_literal(args[0]))
            if not item.msgid:
                errors.append(f"{where}: an empty string is the catalogue header")
                continue
            comment = _translator_comment(lines, call.lineno)
            existing = found.setdefault(item.key, item)
            if existing.msgid_plural != item.msgid_plural:
                errors.append(f"{where}: {item.msgid!r} is used with two plural forms")
            if rel not in existing.references:
                existing.references.append(rel)
            if comment and comment not in existing.comments:
                existing.comments.append(comment)
    return list(found.values()), errors


def _translator_comment(lines: list[str], lineno: int) -> str | None:
    """A ``# Translators: ...`` comment on the line above a call."""
    above = lines[lineno - 2].strip() if lineno >= 2 else ""
    if above.startswith("# Translators:"):
        return above[2:].strip()
    return None


# -- writing ---------------------------------------------------------------------
def quote(text: str) -> str:
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
               .replace("\r", "\\r"))
    parts = escaped.split("\n")
    if len(parts) == 1:
        return f'"{escaped}"'
    pieces = [p + "\\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    return '""\n' + "\n".join(f'"{p}"' for p in pieces)


def render(header: str, entries: list[PoEntry]) -> str:
    out = [header.rstrip("\n"), ""]
    for e in entries:
        out += [f"#. {c}" for c in e.comments]
        if e.references:
            out.append("#: " + " ".join(e.references))
        if e.flags:
            out.append("#, " + ", ".join(sorted(e.flags)))
        if e.msgctxt is not None:
            out.append(f"msgctxt {quote(e.msgctxt)}")
        out.append(f"msgid {quote(e.msgid)}")
        if e.msgid_plural is not None:
            out.append(f"msgid_plural {quote(e.msgid_plural)}")
            for i, s in enumerate(e.msgstr):
                out.append(f"msgstr[{i}] {quote(s)}")
        else:
            out.append(f"msgstr {quote(e.msgstr[0] if e.msgstr else '')}")
        out.append("")
    return "\n".join(out)


def _header(fields: dict[str, str], comment: str) -> str:
    body = "".join(f"{k}: {v}\n" for k, v in fields.items())
    return f"{comment}\nmsgid \"\"\nmsgstr {quote(body)}"


TEMPLATE_FIELDS = {
    "Project-Id-Version": "posturewatch",
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
    "Plural-Forms": "nplurals=INTEGER; plural=EXPRESSION;",
}


def template(found: list[Found]) -> str:
    """The .pot text for the strings found."""
    entries = [PoEntry(f.msgid, f.msgid_plural, f.msgctxt,
                       ["", ""] if f.msgid_plural is not None else [""],
                       references=f.references, comments=f.comments) for f in found]
    comment = ("# PostureWatch's translation template. Made by tools/catalogues.py from the "
               "source: do not edit.")
    return render(_header(TEMPLATE_FIELDS, comment), entries) + "\n"


def merge(pot: list[PoEntry], po_text: str | None, language: str) -> str:
    """A catalogue for ``language`` with the template's entries, in its order,
    keeping the translations it already has."""
    old = parse_po(po_text, language) if po_text else []
    fields = header_fields(old)
    team, plural = LANGUAGE_TEAMS.get(language, (language, "nplurals=2; plural=(n != 1);"))
    fields = {**{k: v for k, v in TEMPLATE_FIELDS.items() if k != "Plural-Forms"},
              "Language": language, "Plural-Forms": fields.get("Plural-Forms", plural)}
    known = {e.key: e for e in old if e.msgid}
    entries = []
    for t in pot:
        if not t.msgid:
            continue
        have = known.get(t.key)
        if t.msgid_plural is not None:
            msgstr = have.msgstr if have and have.msgid_plural is not None else ["", ""]
        else:
            msgstr = have.msgstr[:1] if have and have.msgid_plural is None else [""]
        flags = have.flags & {"fuzzy"} if have else set()
        entries.append(PoEntry(t.msgid, t.msgid_plural, t.msgctxt, msgstr,
                               references=t.references, flags=flags, comments=t.comments))
    comment = f"# PostureWatch in {team}. Entries follow posturewatch.pot (tools/catalogues.py)."
    return render(_header(fields, comment), entries) + "\n"


def languages() -> list[str]:
    return sorted(p.name for p in LOCALE.iterdir()
                  if (p / "LC_MESSAGES" / "posturewatch.po").is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    parser.add_argument("--add", metavar="LANG", help="start a catalogue for LANG")
    args = parser.parse_args(argv)
    found, errors = extract()
    for error in errors:
        print(error, file=sys.stderr)
    pot_text = template(found)
    pot = parse_po(pot_text, "posturewatch.pot")
    stale: list[str] = []
    if not TEMPLATE.exists() or TEMPLATE.read_text(encoding="utf-8") != pot_text:
        stale.append(str(TEMPLATE.relative_to(ROOT)))
        if not args.check:
            LOCALE.mkdir(parents=True, exist_ok=True)
            TEMPLATE.write_text(pot_text, encoding="utf-8")
    targets = languages() + ([args.add] if args.add and args.add not in languages() else [])
    for language in targets:
        path = LOCALE / language / "LC_MESSAGES" / "posturewatch.po"
        before = path.read_text(encoding="utf-8") if path.exists() else None
        after = merge(pot, before, language)
        if after != before:
            stale.append(str(path.relative_to(ROOT)))
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(after, encoding="utf-8")
    print(f"{len(found)} strings; " + (("out of date: " if args.check else "updated: ")
                                       + ", ".join(stale) if stale else "all current"))
    return 1 if errors or (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
