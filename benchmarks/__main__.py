"""Run benchmark modules (``python -m benchmarks [NAME ...] [--OPTION ...]``).

Without a name, every ``bench_*`` module with its defaults; options after the names go to each named
module's ``main`` (e.g. ``python -m benchmarks bench_escalation --sizes 2000 --big 20000``).
"""

import importlib
import pkgutil
import sys

import benchmarks

args = sys.argv[1:]
first_option = next((i for i, a in enumerate(args) if a.startswith("-")), len(args))
names, options = args[:first_option], args[first_option:]
names = names or sorted(
    m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_")
)
for name in names:
    print(f"== {name}", flush=True)
    importlib.import_module(f"benchmarks.{name}").main(options)
