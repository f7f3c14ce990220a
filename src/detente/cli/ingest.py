"""Ingest commands: ``ingest`` (article → findings and a scenario draft), ``code-events`` and ``eval-events``."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from detente.cli._app import app, console, err_console
from detente.cli._grammar import JsonFileOpt, check_output, write_json
from detente.cli.data import DataOpt, use_data
from detente.errors import InputError


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--date {value!r}: not a date (fix: use YYYY-MM-DD, e.g. --date 2018-02-26)") from None


@app.command()
def ingest(
    article: Annotated[Path, typer.Argument(help="The article: plain text, HTML or Markdown.")],
    draft: Annotated[
        Path | None, typer.Option("--draft", help="Write a scenario draft (TOML) here; it is validated.")
    ] = None,
    date: Annotated[
        str | None, typer.Option("--date", help="The article's date (YYYY-MM-DD): leaders' tenures, and the draft's as_of (default: the file's date).")
    ] = None,
    as_json: JsonFileOpt = None,
    data: DataOpt = None,
) -> None:
    """Read an article: clean it, find its actors and events, and optionally draft a scenario.

    Needs the events data set and its built tables (`detente data status`).

    Example: detente ingest article.txt --date 2018-02-26 --draft draft.toml
    """
    use_data(data)
    from detente.ingest.article import ingest_article
    from detente.ingest.draft import write_draft

    if draft is not None:
        check_output(draft, "--draft")
    if as_json not in (None, "-"):
        check_output(as_json, "--json")

    found = ingest_article(article, _date(date))
    clean = found.clean
    mentions = found.actor_mentions()
    events = found.events()
    if as_json is not None:
        write_json(
            as_json,
                {
                    "file": str(article),
                    "format": clean.format,
                    "sentences": len(clean.sentences),
                    "removed": [
                        {"line": r.line, "reason": r.reason, "kept_line": r.kept_line, "text": r.text}
                        for r in clean.removed
                    ],
                    "bullets_repaired": clean.bullets_repaired,
                    "actors": {
                        a: sorted({m.text for _, m in ms}) for a, ms in mentions.items()
                    },
                    "implied_members": {m: g for m, (g, _) in found.implied_members().items()},
                    "events": [
                        {"sentence": i, "line": found.sentences[i].line, **e.to_dict()} for i, e in events
                    ],
                },
        )
    else:
        console.print(
            f"{article}: {clean.format}, {len(clean.sentences)} sentences kept "
            f"({sum(s.kind == 'heading' for s in clean.sentences)} headings, "
            f"{sum(s.kind == 'item' for s in clean.sentences)} list items)",
            highlight=False, soft_wrap=True,
        )
        furniture = clean.furniture
        if furniture:
            lines = sorted({r.line for r in furniture})
            kinds: Counter[str] = Counter(r.reason for r in furniture)
            parts = [f"{kinds[k]} {label} line(s)" for k, label in (("furniture", "teaser"), ("navigation", "navigation")) if kinds[k]]
            parts += [f"disclaimer “{_cut(r.text, 40)}”" for r in furniture if r.reason == "disclaimer"]
            console.print(
                f"Dropped web-page furniture on lines {_ranges(lines)}: " + "; ".join(parts),
                highlight=False, soft_wrap=True,
            )
        if clean.repeats:
            src = _ranges(sorted({r.line for r in clean.repeats}))
            dst = _ranges(sorted({r.kept_line for r in clean.repeats if r.kept_line}))
            console.print(
                f"Repeated passage: {len(clean.repeats)} sentence(s) on lines {src} repeat lines {dst}; "
                "the later copy is kept",
                highlight=False, soft_wrap=True,
            )
        if clean.bullets_repaired:
            console.print(f"Repaired {clean.bullets_repaired} flattened bullet(s)", highlight=False, soft_wrap=True)
        from detente.ingest.gazetteer import Gazetteer

        gaz = Gazetteer.load()
        table = Table(title="Actors")
        for col in ("id", "name", "kind", "mentions", "as"):
            table.add_column(col)
        for actor_id, ms in mentions.items():
            info = gaz.actor(actor_id)
            forms = Counter(m.text for _, m in ms)
            table.add_row(
                actor_id, info.name, info.kind, str(len(ms)), ", ".join(f"{t} ({n})" for t, n in forms.most_common(6))
            )
        for member, (group, _) in found.implied_members().items():
            table.add_row(member, gaz.actor(member).name, "state", "0", f"(a member of {group})")
        console.print(table)
        quads = Counter(e.quad.value for _, e in events if not e.markers)
        marked = Counter(m for _, e in events for m in e.markers)
        console.print(
            f"{len(events)} events coded: "
            + ", ".join(f"{q} {n}" for q, n in sorted(quads.items()))
            + (" (asserted); marked: " + ", ".join(f"{m} {n}" for m, n in sorted(marked.items())) if marked else ""),
            highlight=False, soft_wrap=True,
        )
        if found.recommendations:
            console.print(
                f"{len(found.recommendations)} recommendation(s): "
                + "; ".join(f"{r.actor} (line {found.sentences[r.lead].line}, {len(r.items)} point(s))" for r in found.recommendations),
                highlight=False, soft_wrap=True,
            )
    if draft is not None:
        scenario, source = write_draft(found, draft, data=data)
        console.print(
            f"Wrote {draft}: {len(scenario.actors)} actors, {len(scenario.relations)} relations, "
            f"{len(scenario.strategies)} candidate strategies; it validates (quotes checked against {source})",
            highlight=False, soft_wrap=True,
        )


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 6]`` → ``"1–3, 6"``."""
    groups: list[list[int]] = []
    for n in numbers:
        if groups and n == groups[-1][-1] + 1:
            groups[-1].append(n)
        else:
            groups.append([n])
    return ", ".join(str(g[0]) if len(g) == 1 else f"{g[0]}–{g[-1]}" for g in groups)


@app.command("code-events")
def code_events(
    sentences: Annotated[Path, typer.Argument(help='JSONL input: one {"id": …, "text": …} per line.')],
    out: Annotated[Path, typer.Option("--out", "-o", help="JSONL output: one {\"id\": …, \"events\": […]} per line.")],
    workers: Annotated[int, typer.Option("--workers", min=1, max=512, help="Worker processes.")] = 1,
    strict: Annotated[bool, typer.Option("--strict", help="Stop at the first malformed line.")] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar (--no-progress or -q: none).")] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar (as --no-progress).")] = False,
    data: DataOpt = None,
) -> None:
    """Code sentences into PLOVER events in bulk, streaming, with a progress bar.

    Needs the events data set and its built tables (`detente data status`).

    Example: detente code-events sentences.jsonl --out coded.jsonl --workers 2
    """
    use_data(data)
    from detente.ingest.bulk import check_input, code_jsonl

    check_input(sentences)
    check_output(out, "--out")
    if out.resolve() == sentences.resolve():
        raise InputError(f"--out {out}: is the input file (fix: write to another file)")

    def skipped(number: int, reason: str) -> None:
        err_console.print(f"{sentences}:{number}: {reason}; skipped", markup=False, highlight=False, soft_wrap=True)

    total = sentences.stat().st_size
    bar = Progress(
        TextColumn("coding"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
        console=err_console, disable=quiet or not (progress and err_console.is_terminal), transient=True,
    )  # fmt: skip
    with bar:
        task = bar.add_task("coding", total=total)
        stats = code_jsonl(
            sentences, out, workers=workers, strict=strict, on_skip=skipped,
            on_bytes=lambda n: bar.advance(task, n),
        )  # fmt: skip
    console.print(
        f"Coded {stats.coded} sentence(s) into {stats.events} event(s) → {out}"
        + (f"; skipped {len(stats.skipped)} malformed line(s)" if stats.skipped else ""),
        highlight=False, soft_wrap=True,
    )


@app.command("eval-events")
def eval_events(
    gold: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Labelled files: a class file (sentence<TAB>0-4) and/or a span file (token TAG). "
            "Default: the two files in the data directory's events/news/.",
            show_default=False,
        ),
    ] = None,
    train: Annotated[
        Path | None,
        typer.Option("--train", help="A class file to fit the naive Bayes sentence classifier on (scored on GOLD)."),
    ] = None,
    folds: Annotated[int, typer.Option("--folds", help="Cross-validate the classifier within GOLD (0: skip).")] = 5,
    as_json: JsonFileOpt = None,
    data: DataOpt = None,
) -> None:
    """Score the event coder against labelled sentences, beside a baseline.

    Example: detente eval-events --folds 3

    A class file is also scored with a naive Bayes sentence classifier, cross-validated within the file;
    with --train TRAIN.tsv it is fitted on TRAIN and scored on GOLD.
    """
    from detente.datadir import require
    from detente.ingest.evaluate import ClassScores, evaluate

    use_data(data)
    if not gold:
        gold = [require(f"events/news/{name}") for name in ("cameo_class_train.tsv", "cameo_ner_train.txt")]
    results = {}
    for path in gold:
        score = evaluate(path, train=train, folds=folds)
        if isinstance(score, ClassScores):
            results[str(path)] = {
                "kind": "class",
                "n": score.n,
                "accuracy": score.accuracy,
                "macro_f1": score.macro_f1,
                "per_class_f1": list(score.per_class_f1),
                "classifier": score.classifier,
                "baseline": {
                    "class": score.baseline_class,
                    "accuracy": score.baseline_accuracy,
                    "macro_f1": score.baseline_macro_f1,
                },
            }
            if as_json is None:
                table = Table(title=f"{path.name}: sentence class ({score.n} sentences)")
                for col in ("system", "accuracy", "macro-F1"):
                    table.add_column(col)
                table.add_row("event coder (rules)", f"{score.accuracy:.3f}", f"{score.macro_f1:.3f}")
                for name, row in score.classifier.items():
                    label = f"naive Bayes, fitted on {train.name}" if name == "trained" and train else f"naive Bayes, {name}"
                    table.add_row(label, f"{row['accuracy']:.3f}", f"{row['macro_f1']:.3f}")
                table.add_row(
                    f"majority class ({score.baseline_class})", f"{score.baseline_accuracy:.3f}", f"{score.baseline_macro_f1:.3f}"
                )
                console.print(table)
        else:
            results[str(path)] = {"kind": "span", "n": score.n, **score.scores}
            if as_json is None:
                table = Table(title=f"{path.name}: source/target spans ({score.n} sentences)")
                for col in ("system", "role", "match", "precision", "recall", "F1"):
                    table.add_column(col)
                for key, s in score.scores.items():
                    system, role, match = key.split(".")
                    name = "event coder" if system == "coder" else "capitalised-run baseline"
                    table.add_row(name, role, match, f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}")
                console.print(table)
    if as_json is not None:
        write_json(as_json, results)
