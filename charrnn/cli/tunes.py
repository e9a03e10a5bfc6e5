"""`charrnn sample --abc`: sample tunes (valid by construction, or `--free`), check them,
write .abc (and .mid) files and their page, and report."""

import contextlib
import signal

import click

from charrnn.errors import UserError

DEFAULT_TUNE_CAP = 2000  # characters per tune when --length is not given


def sample_abc(model, vocab, settings, temperatures, fields, out, midi, corpus=None, free=False,
                page=True, existing=None, policy=None, learned=None, form=None):
    """Print or write `settings.num_samples` tunes at each temperature and a short validity
    report. With `out`, each tune is written to that tune directory (charrnn.music.steer.tunedir)
    as soon as it is drawn, whose tunes are replaced or added to as `existing` says
    (overwrite, append); at the end, with `page`, the page of them against `corpus`, the
    corpus spec the model learned from. `policy`: what the tunes may write
    (charrnn.music.steer.policy). `learned`: where what the model's run learned of its corpus
    is kept (a run directory or a model file: charrnn.run.models), whose titles the tunes
    take (unless --title or --free). `form`: (the --form FormRequest, the `learned` store
    of the corpus's forms, whether --form was given), or None for any form."""
    from dataclasses import replace

    from charrnn.cli.report import corpus_at_hand
    from charrnn.music.abc.check import ChecksAhead
    from charrnn.music.steer.sampling import TuneHeader

    title, meter, key = fields
    header = TuneHeader(title=title, meter=meter, key=key, prime=settings.prime)
    check_vocabulary(vocab, header, settings.length, free, corpus, policy)
    planner = form_planner(form, corpus)
    at_hand = corpus_at_hand(corpus, made=bool(out and page))
    labels = [f"T{t:g}" if len(temperatures) > 1 else "" for t in temperatures]
    with contextlib.ExitStack() as held:
        held.enter_context(interrupt_on_sigterm())
        folder = out and held.enter_context(taken(out, existing, labels, settings.num_samples))
        ahead = held.enter_context(ChecksAhead())  # inside: the pool ends before the lock goes
        if not (free or title or learned is None):  # once the tune directory is held
            header.titles = run_titles(learned, corpus)
        for temperature, label in zip(temperatures, labels):
            if not folder and label:
                click.echo(f"--- temperature {temperature:g} ---")
            written = Written(folder, midi, label)
            chosen = replace(settings, temperature=temperature, prime="")
            tunes, too_long = _draw(model, vocab, chosen, header, free, ahead, label,
                                    on_tune=written if folder else show, policy=policy,
                                    form=planner)
            if folder:
                written.report()
            report([tune.text for tune in tunes], too_long, settings.num_samples, ahead, label,
                   at_hand)
        if folder:
            folder.finish(sample_page(corpus, at_hand) if page else None)


@contextlib.contextmanager
def taken(out, existing, labels, count):
    """The tune directory `out`, held for this run (see TuneDir.writing); says what it found."""
    from charrnn.music.steer.tunedir import TuneDir

    with TuneDir(out).writing(existing, {label: count for label in labels}) as folder:
        if folder.found.count:
            done = ("--overwrite removed them" if existing == "overwrite"
                    else f"--append adds {folder.next_name(labels[0])} on")
            click.echo(f"{folder} held {folder.found}; {done}", err=True)
        yield folder


class Written:
    """Writes each tune of one temperature into the tune directory as it comes (and its
    MIDI, with `midi`), and says how many it wrote."""

    def __init__(self, folder, midi, label):
        self.folder, self.midi, self.label, self.tunes, self.midis = folder, midi, label, 0, 0

    def __call__(self, tune):
        self.folder.add(tune.text, self.label, self.write_midi if self.midi else None)
        self.tunes += 1

    def write_midi(self, text, path):
        self.midis += write_midi(text, path)

    def report(self):
        made = f" (and {self.midis} .mid)" if self.midi else ""
        click.echo(f"wrote {self.tunes} tunes to {self.folder}/{made}", err=True)


def show(tune):
    click.echo(tune.text)


def sample_page(corpus, at_hand=None):
    """The page writer for TuneDir.finish: the tunes against the corpus the model learned from."""
    def write(named, path):
        from charrnn.cli.report import write_sample_page

        write_sample_page(named, path, corpus, at_hand)

    return write


def run_titles(learned, corpus):
    """The title model of a run's corpus (charrnn.music.abc.titles), kept in `learned` (a
    run directory or model file), or None, said on stderr, where the corpus cannot be read:
    the tunes keep the titles their model wrote."""
    from charrnn.run.learned import run_titles as learned_titles

    model = learned_titles(learned, corpus)
    if model is None:
        click.echo(f"the tunes keep the titles their model wrote: the corpus it learned from "
                   f"({corpus or 'not named in the run'}) cannot be read, or has no titles in "
                   "words", err=True)
    return model


@contextlib.contextmanager
def interrupt_on_sigterm():
    """SIGTERM ends the run as Ctrl-C does, through every `with` block (the checking pool
    shut down, the lock let go), where by default it would end the process on the spot and
    leave the pool's semaphores to be reported leaked."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def form_planner(form, corpus):
    """The Planner for --form (charrnn.music.steer.planner), or None for any form; learns the
    corpus's forms into the run directory the first time."""
    if form is None or form[0].kind == "any":
        return None
    from charrnn.music.steer.form import CorpusForm
    from charrnn.music.steer.planner import Planner

    request, store, asked = form
    learned = corpus_form(store, corpus)
    if learned is None and request.kind == "auto":
        why = (f"--form auto draws from the forms of the corpus the model learned from, and "
               f"{corpus or 'the run names none'} cannot be read")
        if asked:
            raise UserError(f"{why}; give a form such as --form 'AABB 8', or --form any")
        click.echo(f"{why}: the tunes keep no form plan (--form any)", err=True)
        return None
    return Planner(request, learned or CorpusForm())


def corpus_form(learned, spec):
    """The CorpusForm (charrnn.music.steer.form) of the corpus a run learned from (`spec`),
    kept in `learned` (a run directory or model file: rundir.CORPUS_FORM) once learned;
    None where the corpus cannot be read."""
    import json

    from charrnn.music.steer.form import CorpusForm
    from charrnn.run import rundir
    from charrnn.run.learned import load_corpus_tunes

    stored = learned.read_learned(rundir.CORPUS_FORM, spec, "form")
    if stored is not None:
        try:
            kept = CorpusForm.from_json(json.dumps(stored))
        except (ValueError, KeyError, TypeError):  # damaged: learned again
            kept = None
        if kept is not None:  # None: kept by another version, learned again
            return kept
    try:
        tunes = load_corpus_tunes(spec) if spec else None
    except UserError:
        return None
    if tunes is None:
        return None
    form = CorpusForm.learn(tunes, progress=True)
    learned.write_learned(rundir.CORPUS_FORM, spec, "form", json.loads(form.to_json()))
    return form


def _draw(model, vocab, settings, header, free, ahead, label, on_tune, policy=None,
          form=None):
    """One temperature's tunes, each handed to `ahead` to be checked as soon as it is
    drawn, and to `on_tune` in order as they come (at most as many as asked for: a batch's
    last step can finish a few more); counted on a progress bar unless they are printed."""
    from charrnn.music.steer.sampling import sample_tunes

    count = settings.num_samples
    with _progress(count, f"sampling tunes{' at ' + label if label else ''}",
                   shown=on_tune is not show) as bar:
        def drawn(text):
            ahead.add(text)
            if bar.n < count:
                bar.update()

        handed = []

        def in_order(tune):
            if len(handed) < count:
                handed.append(tune)
                on_tune(tune)

        return sample_tunes(model, vocab, count, header, settings, free=free,
                            on_tune=in_order, on_draw=drawn, policy=policy, form=form)


def check_vocabulary(vocab, header, length, free, corpus, policy=None):
    """Before any sampling: the model can write the header asked for, and (unless --free)
    finish a tune from it within --length characters."""
    from charrnn.music.steer.constraint import TuneConstraint
    from charrnn.music.steer.sampling import header_prime
    from charrnn.data.vocab import describe

    prime = header_prime(header)
    unknown = vocab.unknown(prime + header.key)
    if unknown:
        raise UserError(f"the model never saw {describe(unknown)}, which the tune's header needs")
    if free:
        return
    constraint = TuneConstraint(vocab.chars, header.fixed(), policy)
    problem = constraint.start_problem(prime)
    if problem:
        raise UserError(f"no sampled tune can begin {prime.strip()!r}: {problem} (--idiom off "
                        "allows what the corpus does not write, --free samples without the grammar)")
    missing = constraint.missing(prime)
    if missing:
        trained = f" (it was trained on {corpus})" if corpus else ""
        raise UserError(f"this model cannot finish an ABC tune{trained}: its characters have no "
                        f"{', '.join(missing)}; --abc needs a model trained on ABC tunes")
    needed = constraint.to_finish(constraint.reader(prime))
    if needed >= length:
        raise UserError(f"--length {length} is too short for a tune from this start: the "
                        f"shortest takes {needed + 1} characters")


def write_midi(tune, path):
    """A tune the model garbled may not render: say so, return False, and go on."""
    from charrnn.errors import WriteError
    from charrnn.music.play.midi import abc_to_midi

    try:
        abc_to_midi(tune, path)
        return True
    except WriteError:  # the disk, not the tune: stop
        raise
    except UserError as error:
        click.echo(f"no MIDI for {path.stem}: {error}", err=True)
        return False


def report(tunes, too_long, wanted, ahead, label="", at_hand=None):
    """How many tunes were made, how many are valid (abc-check, through `ahead`, a
    ChecksAhead) and how many pass stage one (charrnn.music.report.verdict, against the corpus
    `at_hand` where it is), and why not."""
    checks = [ahead.verdict(tune) for tune in _progress(len(tunes), "checking tunes", tunes)]
    valid = sum(check.ok for check in checks)
    at = f" at {label.replace('T', 'T=', 1)}" if label else ""
    lines = [f"{len(tunes)} tunes made{at}: {valid} valid, {pass_phrase(tunes, checks, at_hand)}"]
    if too_long:
        lines[0] += f" ({too_long} draws that could not end within --length were dropped)"
    if len(tunes) < wanted:
        lines.append(f"only {len(tunes)} of {wanted} tunes ended within the length cap; "
                     "raise --length or lower --temperature")
    for number, check in enumerate(checks, 1):
        if not check.ok:
            lines.append(f"  tune {number}: {'; '.join(check.problems)}")
    click.echo("\n".join(lines), err=True)


def pass_phrase(tunes, checks, at_hand):
    """`7 pass stage one (3 fail: ...)`, or where the corpus is not at hand, how many pass
    the checks that need none."""
    from charrnn.music.report.report import build_report
    from charrnn.music.report.verdict import RULES

    corpus = at_hand.report() if at_hand is not None else None
    named = [(f"tune {number}", tune) for number, tune in enumerate(tunes, 1)]
    tally = build_report("", named, corpus, progress=False, checks=checks).tally
    if corpus is not None:
        return tally.phrase().replace(" pass", " pass stage one", 1)
    made = [rule for rule in RULES if rule not in tally.unjudged]
    failed = f" ({tally.failed} fail: " + ", ".join(
        f"{count} {RULES[rule]}" for rule, count in tally.fails.items()) + ")" if tally.failed else ""
    problem = at_hand.problem if at_hand is not None else "no corpus given"
    return (f"{tally.tunes - tally.failed} pass the checks made ({', '.join(made) or 'none'})"
            f"{failed}; the corpus's checks ({', '.join(r for r in RULES if r not in made)}) "
            f"are left out: {problem}")


def _progress(total, desc, iterable=None, shown=True):
    """A progress bar on stderr (over `iterable`, if given), on a terminal only, gone when
    done."""
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, unit="tune", disable=None if shown else True,
                leave=False, dynamic_ncols=True)
