"""The bar lines and what each stands for: one table (repeats.BAR_LINES) for the grammar
and the replay of abc2midi's repeats."""

import itertools

import pytest

from charrnn.music.abc import reference, repeats
from charrnn.music.abc.grammar import check_text
from charrnn.music.abc.grammar.syntax import BAR_LINE


def test_the_table_holds_every_bar_line_the_grammar_reads():
    read = {"".join(chars) for n in range(1, 5) for chars in itertools.product("|:[]", repeat=n)
            if BAR_LINE.fullmatch("".join(chars))}
    assert read == set(repeats.BAR_LINES)


CASES = [
    ("CD EF|GA Bc:|", True),  # abc2midi puts the missing |: at the start
    ("|:CD EF:|GA Bc:|", True),  # the second :| goes back to the first
    ("CD EF|1 GA Bc:|2 de fg|]", True),
    ("CD EF||:GA Bc:|", True),  # ||: is || then a dotted bar line: no |:, patched at ||
    ("CD EF:|]GA Bc|:de fg|1 ga:|", True),
    ("|:CD EF|2 GA Bc:|", False),  # "Missing :| at end of tune"
    ("|:CD EF|1 GA Bc|2 de fg:|", False),  # "Need || |: :| or :: to mark end of variant ending"
    ("|:cd|1ef:|2ga|[1bc:|", False),  # the same: | does not close an ending
    ("|:cd|1ef:|2ga:[1bc:|", True),  # a lone colon, a dotted bar line, does
    ("|:CD EF|1 GA Bc:||2 de fg|]", True),  # :||2 is :| then |2, a second ending
    ("|:CD EF:||2 GA Bc|]", False),  # ... which needs a first: "found [1 or like before |:"
    ("CD EF[|:GA Bc:|", True),  # [|: is [| then |:
    ("|:CD EF[|:GA Bc:|", False),  # "found another |: after a |:"
]


def tune(body):
    return f"X:1\nT:t\nM:4/4\nL:1/4\nK:C\n{body}\n"


@pytest.mark.parametrize("body, valid", CASES)
def test_repeats_read_from_the_table(body, valid):
    assert (check_text(tune(body)) == []) is valid, check_text(tune(body))


@pytest.mark.needs("abc2midi")
@pytest.mark.parametrize("body, valid", CASES)
def test_abc2midi_reads_those_repeats_alike(body, valid):
    assert (reference.errors(tune(body)) == []) is valid, reference.errors(tune(body))
