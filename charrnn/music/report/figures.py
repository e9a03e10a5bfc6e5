"""The tune report's pictures: each feature's distribution over the tunes beside the
corpus's, as PNG bytes to embed in the page. Drawn headless on matplotlib's Agg canvas,
as charrnn.plots draws.
"""

import io

from charrnn.music.report.distributions import Comparison
from charrnn.plots import new_figure

DPI = 100
# A panel shows the commonest categories, the rest summed as "other": more of them where
# they read in order (intervals, pitch classes, lengths) than for names (keys, forms).
_MOST_CATEGORIES = {"category": 10, "number": 16, "notes": 16}
_SMALLEST_SHARE = 0.01  # note lengths and the like rarer than this in both sets, too
TUNES_COLOUR, CORPUS_COLOUR = "C0", "0.6"


def figure_png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def feature_figures(comparisons: list[Comparison]) -> list[tuple[str, bytes]]:
    """(caption, PNG) for each feature shown as a distribution, and one panel for the
    yes/no features together."""
    yes_no = [c for c in comparisons if c.feature.kind == "yes/no"]
    pictures = [(_caption(c), figure_png(_distribution_figure(c)))
                for c in comparisons if c.feature.kind != "yes/no" and c.counted]
    if yes_no:
        caption = "; ".join(_caption(c) for c in yes_no)
        pictures.append((caption, figure_png(_yes_no_figure(yes_no))))
    return pictures


def _caption(comparison: Comparison) -> str:
    """`meter: distance 0.51, corpus against itself 0.30, differs`."""
    text = comparison.feature.title
    if comparison.distance is not None:
        text += f": distance {comparison.distance:.2f}"
    if comparison.floor is not None:
        text += f", corpus against itself {comparison.floor:.2f}"
    return text + (", differs" if comparison.differs else "")


def _shown(comparison: Comparison) -> list:
    """The categories a panel shows, in reading order; the others go into "other"."""
    both = [comparison.tunes, comparison.corpus or {}]
    keys = {key for shares in both for key in shares if shares[key] >= _SMALLEST_SHARE}
    commonest = sorted(keys, key=lambda k: -max(shares.get(k, 0) for shares in both))
    most = _MOST_CATEGORIES[comparison.feature.kind]
    return comparison.feature.order(commonest[:most], comparison.corpus or comparison.tunes)


def _distribution_figure(comparison: Comparison):
    keys = _shown(comparison)
    sets = [("tunes", comparison.tunes, comparison.counted, TUNES_COLOUR)]
    if comparison.corpus is not None:
        sets.append(("corpus", comparison.corpus, None, CORPUS_COLOUR))
    labels = [comparison.feature.label(key) for key in keys]
    rows = []
    for name, shares, counted, colour in sets:
        values = [shares.get(key, 0.0) for key in keys]
        other = 1.0 - sum(values)
        rows.append((name if counted is None else f"{name} ({counted})", values, other, colour))
    if any(other > 0.005 for _, _, other, _ in rows):
        labels.append("other")
        rows = [(name, values + [other], other, colour) for name, values, other, colour in rows]
    return _bars(labels, rows, comparison.feature.title)


def _yes_no_figure(comparisons: list[Comparison]):
    labels = [c.feature.title for c in comparisons]
    rows = [("tunes", [c.tunes.get("yes", 0.0) for c in comparisons], 0, TUNES_COLOUR)]
    if comparisons[0].corpus is not None:
        rows.append(("corpus", [c.corpus.get("yes", 0.0) for c in comparisons], 0, CORPUS_COLOUR))
    return _bars(labels, rows, "yes/no features: share of tunes")


def _bars(labels: list[str], rows: list, title: str):
    """Side-by-side bars, one group per label and one bar per row (name, values, _, colour)."""
    figure, axes = new_figure(1, 1, 4.6, 2.7)
    ax = axes[0][0]
    width = 0.8 / len(rows)
    for i, (name, values, _, colour) in enumerate(rows):
        positions = [x + (i - (len(rows) - 1) / 2) * width for x in range(len(labels))]
        ax.bar(positions, values, width, label=name, color=colour)
    ax.set_xticks(range(len(labels)), labels, fontsize="small",
                  rotation=30 if max(len(label) for label in labels) > 4 else 0,
                  ha="right" if max(len(label) for label in labels) > 4 else "center")
    ax.set_ylabel("share")
    ax.set_title(title, fontsize="small")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize="x-small")
    return figure
