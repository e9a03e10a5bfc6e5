"""abc-check's verdicts on every bundled tune, before and after the ABC grammar.

Compares today's `check_tune` with the verdicts abc-check gave at commit a378cda, stored in
benchmarks/data/abc_check_a378cda.json.gz (one row per tune of
`charrnn.music.abc.collections.load_tunes`), sorts every difference into a kind with its
explanation, counts how many of them abc2midi itself prints an Error for, and writes the
full list to benchmarks/check_differences.md.

    python -m benchmarks.check_agreement            # about 15 minutes: music21 reads every tune
    python -m benchmarks.check_agreement --quick    # the grammar alone on every tune, ~1 minute:
                                                    # music21's part of the verdict is unchanged
                                                    # code, so the old verdict's is reused
"""

import gzip
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
OLD = HERE / "data" / "abc_check_a378cda.json.gz"
LISTING = HERE / "check_differences.md"

# (pattern of the first problem, kind, why): the first that matches explains a difference.
KINDS = [
    (r"is neither a chord abc2midi knows", "chord symbol that is no chord",
     'abc2midi: "Guitar chord does not start with A-G or a-g" or "Unrecognized chord name"; '
     "text in quotes is an annotation only when it starts with ^ _ < or @ (music21 loses the notes after >)"),
    (r"is a hornpipe", "hornpipe not in 2/4 or 4/4",
     'abc2midi: "Hornpipe must be in 2/4 or 4/4 time"'),
    (r"tie \(-\)", "tie to another note",
     'abc2midi: "Could not find note to be tied" (a tie written as a slur)'),
    (r"broken rhythm|inside a broken", "broken rhythm",
     'abc2midi: "Cannot apply broken rhythm. Notes not equal durations" (or a bar line inside one)'),
    (r"variant ending|:: with no|\|: repeat|:\| with no|more :\||\|: where|\|: while", "repeats",
     'abc2midi: "found [1 or like before |:", "Missing :| at end of tune" and the like'),
    (r"grace", "grace notes",
     'abc2midi: "Nested grace notes not allowed", "Intervening note needed between grace notes"'),
    (r"is not a decoration", "! inside a line",
     "abc2midi: \"'!' or '+' in middle of line ignored\": ! as an old line break, mid-line"),
    (r"is not ABC music", "a character that is not ABC",
     'abc2midi: "Malformed note", "Unrecognized character", or a letter it ignores with a warning'),
    (r"reads to music21 as the start of a field", "capital letter before a colon",
     "music21 reads a capital letter and a colon as a field and loses the rest of the line"),
    (r"chord holds|chord left open|opens no chord", "unfinished chord",
     'abc2midi: "Chord already finished" and the like'),
    (r"is not a key|is not a meter|is not a header field|is not allowed in the tune body"
     r"|is not the last header field", "header",
     'abc2midi: "Field not allowed in tune body", or a value it cannot read'),
    (r"between a decoration and its note", "decoration apart from its note",
     'abc2midi: "Malformed note : expecting a-g or A-G": a one-character decoration (~, T, '
     "., H...) starts a note, so nothing may stand between it and its note"),
    (r"^I:", "I: line", "abc2midi: \"I: key ... not recognized\", or an I:: line read as bar "
     "lines and repeats"),
    (r"\\ that does not end", "\\ inside a line", "abc2midi: \"'\\' in middle of line ignored\""),
    (r"slurs open at once", "slurs",
     'abc2midi warns "Slur within slur"; the grammar keeps at most two open, so that a '
     "sampler that has lost its way cannot open slurs without end (these two tunes open three)"),
    (r"tuplet inside a tuplet", "tuplets", 'abc2midi: "nested tuples"'),
    (r"with no note after it", "accidental with no note",
     'abc2midi: "Malformed note : expecting a-g or A-G", and the digits after it "Unrecognized '
     'character"'),
    (r"is not a part or a list of parts|named in the header's P:|begins twice", "parts",
     'abc2midi: "illegal character in part specification"; ABC 2.1 names parts with capital '
     "letters, and each part the header lists must begin"),
    (r"is not a tempo", "tempo",
     'abc2midi: "malformed Q: field ignored": it reads a text without a beat only where it '
     "names a tempo it knows"),
    (r"no K: \(key\) field", "K: after an I: line",
     "the check before the grammar lost the K: after an I::: header line; the grammar reads "
     "it, as abc2midi does"),
    (r"bar \d+ has", "bar length",
     "the grammar and music21's tokens count this bar differently; abc2midi counts it as the "
     "grammar does (its tokens run two bars together at a capital letter before ::)"),
]


def kind_of(problem: str) -> tuple[str, str]:
    for pattern, kind, why in KINDS:
        if re.search(pattern, problem):
            return kind, why
    return "other", ""


def old_rows():
    with gzip.open(OLD, "rt", encoding="utf-8") as handle:
        return json.load(handle)["rows"]


def new_verdict(tune, old_problem, quick):
    from charrnn.music.abc.check import check_tune
    from charrnn.music.abc.grammar import check_text
    from charrnn.music.abc.tunes import normalise_tune

    if not quick:
        return check_tune(tune).problems
    problems = check_text(normalise_tune(tune))
    parse_failed = old_problem.startswith("music21") or old_problem == "no notes"
    return problems or ([old_problem] if parse_failed else [])


def compare(quick=False):
    from charrnn.music.abc import reference
    from charrnn.music.abc.collections import load_tunes

    tunes = {}
    differences, agree = [], 0
    for collection, index, ok, old_problem in old_rows():
        if collection not in tunes:
            tunes[collection] = load_tunes(collection)
        problems = new_verdict(tunes[collection][index], old_problem, quick)
        if (not problems) == bool(ok):
            agree += 1
            continue
        tune = tunes[collection][index]
        kind, why = kind_of(problems[0] if problems else old_problem)
        errors = reference.errors(tune)
        differences.append({"tune": f"{collection} #{index}", "old": old_problem or "valid",
                            "new": "; ".join(problems) or "valid", "kind": kind, "why": why,
                            "abc2midi": "; ".join(dict.fromkeys(errors or [])) if errors is not None else None})
    return agree, len(old_rows()), differences


def summary(agree, total, differences):
    rows = Counter((d["kind"], d["new"] == "valid") for d in differences)
    confirmed = Counter((d["kind"], d["new"] == "valid") for d in differences if d["abc2midi"])
    forced = _forced(differences)
    lines = [f"{agree:,} of {total:,} tunes ({agree / total:.2%}) keep their verdict; "
             f"{len(differences)} change. abc2midi prints an Error for {forced} of those now "
             f"invalid, which the check must refuse; the other {len(differences) - forced} "
             f"changes are {(len(differences) - forced) / total:.2%} of the tunes.",
             "", "| kind | now | tunes | abc2midi prints an Error | why |", "|---|---|---|---|---|"]
    whys = {kind: why for _, kind, why in KINDS}
    for (kind, now_valid), count in rows.most_common():
        lines.append(f"| {kind} | {'valid' if now_valid else 'invalid'} | {count} | "
                     f"{confirmed[(kind, now_valid)]} | {whys.get(kind, '')} |")
    return "\n".join(lines)


def _forced(differences):
    """How many of the changes are tunes the check now refuses for what makes abc2midi
    print an Error."""
    return sum(d["new"] != "valid" and bool(d["abc2midi"]) for d in differences)


def write_listing(text, differences):
    body = [f"- {d['tune']} ({d['kind']}): was {d['old']}; now {d['new']}"
            + (f"; abc2midi: {d['abc2midi']}" if d["abc2midi"] else "") for d in differences]
    LISTING.write_text("# abc-check before and after the ABC grammar\n\n"
                       "Written by `python -m benchmarks.check_agreement`.\n\n"
                       + text + "\n\n## Every tune whose verdict changed\n\n"
                       + "\n".join(body) + "\n", encoding="utf-8")


def run(quick=False):
    started = time.monotonic()
    agree, total, differences = compare(quick)
    text = summary(agree, total, differences)
    write_listing(text, differences)
    return [{"name": "abc-check verdicts unchanged on the bundled tunes", "value": round(agree / total, 4),
             "unit": "share", "baseline": None, "ratio": None, "target": ">= 0.99",
             "note": f"{len(differences)} changed, listed in {LISTING.name} "
                     f"({time.monotonic() - started:.0f} s{', grammar only' if quick else ''})"},
            {"name": "... or changed to invalid where abc2midi prints an Error",
             "value": round((agree + _forced(differences)) / total, 4),
             "unit": "share", "baseline": None, "ratio": None, "target": ">= 0.99",
             "note": "the check must refuse those (issue: valid means both)"}]


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    agree, total, differences = compare(quick)
    text = summary(agree, total, differences)
    write_listing(text, differences)
    print(text)
    print(f"\nthe list: {LISTING}")
