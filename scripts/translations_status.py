#!/usr/bin/env python3
"""How complete the translation catalogs are, with a check of their placeholders.

    .venv/bin/python scripts/translations_status.py            # every catalog under tawasul/locale
    .venv/bin/python scripts/translations_status.py --list     # also print what is missing or wrong
    .venv/bin/python scripts/translations_status.py --strict   # exit 1 when anything is missing or wrong

Refresh the catalogs first with `manage.py makemessages -l ar ...` (see docs): entries that
makemessages marks fuzzy are ignored by Django, so they count as missing here. Standard library only.
"""

import argparse
import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "tawasul" / "locale"
PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|\{[A-Za-z_]\w*\}")
EXPECTED_PLURALS = {
    "ar": "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : "
    "n%100>=3 && n%100<=10 ? 3 : n%100>=11 && n%100<=99 ? 4 : 5;",
}


def parse(path):
    """The entries of a .po file as dicts: flags, msgid, msgid_plural, msgstr {index: text}."""
    entries, cur, key = [], None, None

    def finish():
        if cur is not None and "msgid" in cur:
            entries.append(cur)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#~"):  # obsolete entry
            continue
        if not line:
            finish()
            cur, key = None, None
            continue
        if cur is None:
            cur = {"flags": set(), "msgstr": {}}
        if line.startswith("#,"):
            cur["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            text = ast.literal_eval(line)
            if isinstance(key, tuple):
                cur["msgstr"][key[1]] += text
            else:
                cur[key] += text
        else:
            word, _, rest = line.partition(" ")
            text = ast.literal_eval(rest)
            if word.startswith("msgstr["):
                key = ("msgstr", int(word[7:-1]))
                cur["msgstr"][key[1]] = text
            elif word == "msgstr":
                key = ("msgstr", 0)
                cur["msgstr"][0] = text
            elif word in ("msgid", "msgid_plural", "msgctxt"):
                key = word
                cur[word] = text
    finish()
    return entries


def check(path, lang):
    entries = parse(path)
    header = next((e for e in entries if e["msgid"] == ""), None)
    body = [e for e in entries if e["msgid"] != ""]
    problems, missing, fuzzy = [], [], []
    if header is None:
        problems.append("no header entry")
    else:
        head = header["msgstr"].get(0, "")
        if "charset=UTF-8" not in head:
            problems.append("header: charset is not UTF-8")
        if f"Language: {lang}\n" not in head:
            problems.append(f"header: Language is not {lang}")
        want = EXPECTED_PLURALS.get(lang)
        if want and f"Plural-Forms: {want}\n" not in head:
            problems.append("header: unexpected Plural-Forms")
        if "fuzzy" in header["flags"]:
            problems.append("header is marked fuzzy")
    for e in body:
        if "fuzzy" in e["flags"]:
            fuzzy.append(e["msgid"])
            continue
        forms = e["msgstr"]
        if not forms or not all(forms.values()):
            missing.append(e["msgid"])
            continue
        source = set(PLACEHOLDER.findall(e["msgid"])) | set(
            PLACEHOLDER.findall(e.get("msgid_plural", ""))
        )
        for text in forms.values():
            got = set(PLACEHOLDER.findall(text))
            if got - source:
                problems.append(f"unknown placeholder {sorted(got - source)} in {e['msgid']!r}")
            # a plural form for one exact number (0, 1, 2 in Arabic) may spell the number out
            if not e.get("msgid_plural") and got != source:
                problems.append(f"placeholders differ in {e['msgid']!r}")
    done = len(body) - len(missing) - len(fuzzy)
    return len(body), done, fuzzy, missing, problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--list", action="store_true", help="print missing, fuzzy and faulty entries"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 unless everything is translated"
    )
    args = parser.parse_args()
    catalogs = sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))
    if not catalogs:
        print(f"No catalogs under {LOCALE}.")
        return 1
    bad = False
    for path in catalogs:
        lang = path.parent.parent.name
        total, done, fuzzy, missing, problems = check(path, lang)
        print(
            f"{path.relative_to(ROOT)}: {total} entries, {done} translated, "
            f"{len(fuzzy)} fuzzy, {len(missing)} untranslated, {len(problems)} problems"
        )
        if args.list:
            for m in fuzzy:
                print(f"  fuzzy: {m!r}")
            for m in missing:
                print(f"  untranslated: {m!r}")
            for p in problems:
                print(f"  problem: {p}")
        bad = bad or bool(fuzzy or missing or problems)
    return 1 if (bad and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
