"""The tune report as one web page that works from disk with no network: first each tune
with its verdict, its sheet music (drawn in the browser by abcjs, vendored in web/), a
player for its audio, its MIDI file and what the checks said; then the statistics as
tables and pictures. Everything is inside the one file: scripts, styles, pictures, audio
and MIDI as data URIs.
"""

import base64
import html
import json
import re
from importlib import resources

from charrnn import __version__
from charrnn.music.report import summary
from charrnn.music.report.figures import feature_figures
from charrnn.music.report.report import Report, TuneReport

ABCJS = "abcjs-basic-min.js"


def web_file(name: str) -> str:
    """A file of charrnn/music/report/web, shipped with the package."""
    return (resources.files("charrnn.music.report") / "web" / name).read_text(encoding="utf-8")


def abcjs_version() -> str:
    """The vendored abcjs's version, from its banner (`abcjs_basic v6.7.2`)."""
    match = re.search(r"abcjs_basic v([\d.]+)", web_file(ABCJS)[:300])
    return match.group(1) if match else "unknown"


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _script_json(value) -> str:
    """JSON safe inside a <script> element: `</` cannot close it early."""
    return json.dumps(value).replace("</", "<\\/")


def page_html(report: Report) -> str:
    """The whole page for a report (built with media, for audio and MIDI)."""
    e = html.escape
    title = f"Tune report: {report.source}"
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title>", f"<style>\n{web_file('page.css')}</style>", "</head>",
        "<body>", _header(report), _tunes(report), _statistics(report), _footer(),
        '<script type="application/json" id="tunes-abc">'
        f"{_script_json([tune.text for tune in report.tunes])}</script>",
        f"<script>\n{web_file(ABCJS)}\n</script>", f"<script>\n{web_file('page.js')}</script>",
        "</body>", "</html>", ""])


def _header(report: Report) -> str:
    e = html.escape
    against = f" against <code>{e(report.corpus.spec)}</code>" if report.corpus else ""
    return (f"<header><h1>Are they good tunes?</h1><p class=\"lede\">{len(report.tunes)} tunes "
            f"from <code>{e(report.source)}</code>{against}</p>"
            f'<p class="summary">{e(summary.pass_line(report))} '
            '<a href="#statistics">The statistics</a> follow the tunes.</p></header>')


def _table(header: list[str], rows: list[list[str]], css: str) -> str:
    e = html.escape
    head = "".join(f"<th>{e(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _statistics(report: Report) -> str:
    e = html.escape
    figures = "".join(
        f'<figure><img alt="{e(caption)}" src="{data_uri(png, "image/png")}">'
        f"<figcaption>{e(caption)}</figcaption></figure>"
        for caption, png in feature_figures(report.comparisons))
    lines = "".join(f"<p class=\"note\">{e(line)}</p>" for line in summary.notes(report))
    return ('<section id="statistics"><h2>The tunes beside the corpus</h2>' + lines
            + _table(summary.SET_HEADER, summary.set_rows(report), "stats")
            + f'<div class="figures">{figures}</div>'
            + "<h2>Tune by tune</h2>"
            + _table(summary.TUNE_HEADER, summary.tune_rows(report), "per-tune") + "</section>")


def _tunes(report: Report) -> str:
    return '<section id="tunes"><h2>The tunes</h2>' + "".join(
        _tune(number, tune) for number, tune in enumerate(report.tunes)) + "</section>"


def _tune(number: int, tune: TuneReport) -> str:
    e = html.escape
    checks = "".join(f"<li>{e(line)}</li>" for line in summary.check_lines(tune))
    facts = " · ".join(e(fact) for fact in summary.tune_facts(tune))
    kind = "ok" if tune.check.ok else "warnings" if tune.check.plays else "errors"
    return (f'<article class="tune" id="{e(tune.name)}"><h3>{e(tune.name)}: {e(tune.title)}</h3>'
            f"{_verdict(tune)}"
            f'<ul class="checks {kind}">{checks}</ul><p class="facts">{facts}</p>'
            f'<div class="score" data-tune="{number}"></div><p class="score-problem" hidden></p>'
            f'<div class="play">{_player(tune)}</div>'
            f"<details><summary>ABC</summary><pre>{e(tune.text)}</pre></details></article>")


def _verdict(tune: TuneReport) -> str:
    """The stage-one verdict: passes or fails, and each failed or unjudged rule's reason."""
    e = html.escape
    head, *reasons = summary.verdict_lines(tune)
    kind = {True: "pass", False: "fail", None: "open"}[tune.verdict.passed]
    items = "".join(f"<li>{e(reason)}</li>" for reason in reasons)
    return (f'<div class="verdict {kind}"><strong>{e(head[0].upper() + head[1:])}</strong>'
            f"{f'<ul>{items}</ul>' if items else ''}</div>")


def _player(tune: TuneReport) -> str:
    """The audio player and the MIDI download, or why they are missing."""
    e = html.escape
    parts = []
    if tune.audio is not None:
        data, mime = tune.audio
        parts.append(f'<audio controls preload="none" src="{data_uri(data, mime)}"></audio>')
    elif tune.no_audio:
        parts.append(f'<span class="missing">No audio: {e(tune.no_audio)}</span>')
    if tune.midi is not None:
        parts.append(f'<a class="midi" download="{e(tune.name)}.mid" '
                     f'href="{data_uri(tune.midi, "audio/midi")}">Download MIDI</a>')
    return "".join(parts)


def _footer() -> str:
    return (f"<footer>Made by charrnn {__version__} (<code>charrnn tune-report</code>). Sheet music "
            f"drawn by <a href=\"https://abcjs.net\">abcjs</a> {abcjs_version()}, MIT licence, "
            "bundled in this page.</footer>")
