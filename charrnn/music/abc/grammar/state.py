"""The reader's state that decides the future of a tune's text, as a frozen dataclass that is
its own cache key (`TuneState`), and the reader's attributes that stay outside it.

Two live readers with equal states accept the same continuations, up to the pitch a tie
copies (the key keeps how many characters it takes, not which note), so the sampler's
caches (charrnn.music.steer.constraint) hold an answer per state. Every attribute of a
reader is either a field of `TuneState`, and so in the key, or named in `OUTSIDE` with the
reason it decides nothing; `TuneState.of` refuses a reader with any other. A field whose
value holds more than the future needs (a title's text, the pitch of the note before) says
how the key sees it (`view`): the partition of states the sampler's caches rely on.
"""

import operator
from dataclasses import dataclass, field, fields

from charrnn.music.abc import fields as abc_fields
from charrnn.music.abc.grammar.limits import SAMPLED_FIELD_LENGTH
from charrnn.music.abc.grammar.syntax import RESTS

# Modes whose token text decides what may follow (elsewhere the text is stale).
TEXT_MODES = frozenset("note chord_length bar variant tuplet broken multirest grace bang plus "
                       "field inline line_letter_space".split())
# Modes in which a note letter begins or continues a note (see letters_interchangeable).
NOTE_MODES = frozenset("music note grace chord_length broken tuplet paren bar".split())
NAME_MODES = frozenset(("field", "field_comment", "inline", "inline_name", "line_letter",
                        "line_letter_space"))

# The reader's attributes that decide nothing the key does not already hold, and why.
OUTSIDE = {
    "caps": "the reader's settings, fixed for its life (a constraint's caches are per setting)",
    "fixed": "a setting", "sampled": "a setting", "policy": "a setting",
    "max_spaces": "a setting", "lookahead": "a setting",
    "probing": "a setting of a trial copy, which is never keyed",
    "unit": "follows from meter and explicit_unit", "bar_full": "follows from meter",
    "lengths": "follows from the policy, meter and unit",
    "problems": "messages: a live reader has none (alive)",
    "warned": "messages", "doomed": "a message: a live reader has none (alive)",
    "line": "the line number, for messages",
    "field_judged": "True only where the reader is dead or the field has ended",
    "_key": "the key itself, once worked out",
}


def _view(function):
    return field(metadata={"view": function})


def _text_view(r):
    """The token being written, where it decides what may follow: a free-text field's only
    as far as whether it has begun, its length against a sampled tune's limit, and an R:'s
    way towards "Hornpipe"."""
    if r.mode == "quote":
        return r.text if not r.text[:1] in "^_<>@" or not r.text else r.text[:1]
    if r.mode not in TEXT_MODES:
        return ""
    if r.mode in ("field", "inline") and r.field_name not in abc_fields.VALUES and \
            not (r.policy and r.policy.restricts(r.field_name)):
        length = r.sampled and min(len(r.text), SAMPLED_FIELD_LENGTH + 1)
        if r.field_name != "R":  # whether anything, and anything but spaces, has
            return r.text != "", bool(r.text.strip()), length  # begun (_judge_partial)
        start = r.text.lstrip()[:8]  # how far towards "Hornpipe" the R: has come
        return (start if "hornpipe".startswith(start.lower()) else
                abc_fields.is_hornpipe(r.text)), length
    return r.text


def _note_view(r):
    """The note being written: its pitch matters only when a tie or the form plan waits for
    it; otherwise only its case (which octave mark may follow) and whether it is a rest."""
    if r.mode != "note":
        return None
    accidental, letter, octave = r.note
    if r.tie is not None or r.pitch_matters():
        return r.note
    return accidental, letter.isupper(), letter in RESTS, not letter, octave


def _header_fields_view(r):
    """The header's fields: which ones, while it is read; once K: has ended it, only
    whether the fields music needs came (the rest of the tune is the same whichever other
    fields, in whatever order, the header held)."""
    if r.in_header:
        return tuple(sorted(r.header_fields))
    return () if r.music_started else tuple(n for n, _ in abc_fields.REQUIRED if n in r.header_fields)


def _last_view(r):
    """The note before: a tie copies its pitch (letter and octave marks), so only how many
    characters that takes is kept."""
    last = r.last
    if last is None:
        return None
    return last.length, last.duration, last.marks, last.pitch is None, \
        len(last.pitch[1]) if last.pitch else 0, last.carried, last.graces


@dataclass(frozen=True, eq=False, kw_only=True)
class TuneState(tuple):
    """What decides the future of the text read: the reader's mode and the token it is in,
    the header and the meter in force, each voice's bars and repeats, the constructs left
    open, the runs a sampled tune is held to, and the form plan's state.

    A tuple of its fields' values, so that states compare as tuples do, in C: the sampler
    looks a state up in its caches for every character it asks about. Hashed once, as a
    state is looked up many times and its fractions are slow to hash."""

    # where the reader is, and the token being written
    mode: str
    text: object = _view(_text_view)
    field_name: str = _view(lambda r: r.field_name if r.mode in NAME_MODES else "")
    ended: bool
    # the header, and the meter, unit and rhythm in force
    in_header: bool
    header_fields: tuple = _view(_header_fields_view)
    music_started: bool
    has_notes: bool
    meter: str | None
    chord_meter: str | None
    explicit_unit: object
    rhythm: bool = _view(lambda r: abc_fields.is_hornpipe(r.rhythm))
    parts: bool
    parts_due: frozenset
    parts_begun: frozenset | None = _view(lambda r: r.parts_begun if r.parts else None)
    # the voices' bars and repeats
    voice_id: str
    voices: tuple = _view(lambda r: tuple((name, v.key()) for name, v in sorted(r.voices.items())))
    # runs a sampled tune is held to
    chords: bool
    bare_bar_lines: int
    long_bare_run: bool
    chord_run: int
    space_run: int
    # the constructs open: a note, chord, grace group, tuplet, broken rhythm, tie, marks
    note: tuple | None = _view(_note_view)
    context: str
    chord_lengths: tuple = _view(lambda r: tuple(r.chord_lengths) if r.context == "chord"
                                 else tuple(r.chord_lengths[:1]))
    grace_notes: int = _view(lambda r: r.grace_notes if r.context == "grace" else 0)
    tuplet: tuple | None
    broken: tuple | None
    tie: tuple | None
    last: tuple | None = _view(_last_view)
    wants_note: str
    grace_length: object
    shorthand: str
    before_dot: tuple | None = _view(lambda r: r.before_dot if r.shorthand == "." else None)
    ornament: bool
    slurs: int
    slur_empty: bool
    dotted_slur: bool
    dot_after_dotted_slur: bool
    marks: str
    bar_closed: bool
    line_notes: bool | None
    multirest: bool
    colon_after_capital: str = _view(lambda r: r.colon_after_capital if r.mode == "bar" else "")
    # the character read last, where it decides: whether it closed a slur, after which a
    # sampled tune writes no tie (whether it was a blank, space_run keeps)
    previous: bool = _view(lambda r: r.previous == ")")
    # the form plan's state (charrnn.music.steer.plan), and whether the text can still end
    form: object
    alive: bool = _view(lambda r: r.alive)

    @classmethod
    def of(cls, reader) -> "TuneState":
        """The state of `reader`: each field its attribute of that name, as its view sees it."""
        if len(reader.__dict__) != _ATTRIBUTES:
            _undeclared(reader.__dict__)
        state = tuple.__new__(cls, _PLAIN(reader) + tuple([view(reader) for view in _VIEW_FUNCTIONS]))
        state.__dict__["_hash"] = tuple.__hash__(state)
        return state

    def __getattr__(self, name):
        # the fields are the tuple's items, not stored again one by one
        try:
            return self[_INDEX[name]]
        except KeyError:
            raise AttributeError(name) from None

    def __hash__(self):
        return self._hash


_VIEWS = {f.name: f.metadata.get("view") for f in fields(TuneState)}
_PLAIN_NAMES = tuple(name for name, view in _VIEWS.items() if view is None)
_VIEW_NAMES = tuple(name for name, view in _VIEWS.items() if view is not None)
_PLAIN = operator.attrgetter(*_PLAIN_NAMES)  # the fields as the reader has them, in C
_VIEW_FUNCTIONS = tuple(_VIEWS[name] for name in _VIEW_NAMES)
_INDEX = {name: index for index, name in enumerate(_PLAIN_NAMES + _VIEW_NAMES)}
# Attributes that are not fields but are worked out from them (alive) or other attributes.
_DERIVED = frozenset({"alive"})
_ATTRIBUTES = len(set(_VIEWS) - _DERIVED) + len(OUTSIDE)


def _undeclared(attributes):
    """Refuse a reader whose attributes are not the state's fields and OUTSIDE's."""
    known = (set(_VIEWS) - _DERIVED) | set(OUTSIDE)
    extra, missing = sorted(set(attributes) - known), sorted(known - set(attributes))
    raise AssertionError(f"reader attributes neither in TuneState nor in OUTSIDE: {extra}; "
                         f"declared but not set: {missing}")
