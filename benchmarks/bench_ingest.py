"""``code-events`` throughput: sentences per second on the development file, for 1 and 2 workers.

The 1,349 sentences of the data directory's ``events/news/cameo_class_train.tsv`` are written as JSONL (once as
they are, and repeated 4 times for a longer run) and coded with :func:`detente.ingest.code_jsonl`, the
function behind ``detente code-events``. The coder is built before timing (it takes about 2 s, once per
process; forked workers inherit it). The baseline is 1 worker in the same run; the ratio is the median
speed-up of 2 workers. The outputs of 1 and 2 workers are checked to be identical. The CPU column
(this process and its workers) shows what parallelism costs: when it stays level while the wall time
does not fall, the machine had no idle core to give (``os.getloadavg`` is printed for that reason).

Run: ``python -m benchmarks bench_ingest`` (``--repeats 5``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from detente.ingest import EventCoder, code_jsonl

DEV_FILE = "events/news/cameo_class_train.tsv"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench_ingest")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dev", type=Path, default=None, help="default: the data directory's " + DEV_FILE)
    args = parser.parse_args([] if argv is None else argv)
    if args.dev is None:
        from detente.datadir import DataMissingError, require

        try:
            args.dev = require(DEV_FILE)
        except DataMissingError as exc:
            print(f"skipped: {exc}")
            return
    sentences = [line.split("\t")[0] for line in args.dev.read_text("utf-8").splitlines() if line.strip()]
    t0 = time.perf_counter()
    from detente.datadir import DataMissingError

    try:
        EventCoder.load()
    except DataMissingError as exc:
        print(f"skipped: {exc}")
        return
    print(f"coder built in {time.perf_counter() - t0:.2f} s (once per process)")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'sentences':>9} {'workers':>7} {'median s':>9} {'sentences/s':>12} {'vs 1 worker':>12} {'CPU s':>7}")
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        for copies in (1, 4):
            src = Path(tmp) / f"dev{copies}.jsonl"
            rows = [{"id": i, "text": t} for i, t in enumerate(sentences * copies)]
            src.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
            medians: dict[int, float] = {}
            outputs: dict[int, str] = {}
            for workers in (1, 2):
                out = Path(tmp) / f"out{copies}-{workers}.jsonl"
                times, cpus = [], []
                for _ in range(args.repeats):
                    c0 = time.process_time() + resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
                    t = time.perf_counter()
                    code_jsonl(src, out, workers=workers)
                    times.append(time.perf_counter() - t)
                    cpus.append(time.process_time() + resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - c0)
                medians[workers] = statistics.median(times)
                outputs[workers] = out.read_text("utf-8")
                ratio = medians[1] / medians[workers]
                print(
                    f"{len(rows):>9} {workers:>7} {medians[workers]:>9.2f} {len(rows) / medians[workers]:>12.0f} "
                    f"{ratio:>11.2f}x {statistics.median(cpus):>7.2f}"
                )
            assert outputs[1] == outputs[2], "1 and 2 workers wrote different output"
            ratios.append(medians[1] / medians[2])
    print(f"median speed-up of 2 workers over 1: {statistics.median(ratios):.2f}x (outputs identical)")


if __name__ == "__main__":  # pragma: no cover
    main()
