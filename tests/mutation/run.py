"""Run mutmut on the numerical modules (``[tool.mutmut]`` in pyproject.toml) and print the mutation score.

The score is killed / (killed + survived + timed out) over the mutants the selected tests reach; the
mutants in code no selected test runs are counted apart (and in a second, stricter score).
Surviving mutants are listed with ``mutmut results`` and shown with ``mutmut show NAME``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def main() -> int:
    """Run mutmut, then print the counts and the score."""
    bin_dir = Path(sys.executable).parent
    children = os.environ.get("MUTMUT_CHILDREN", "2")
    run = subprocess.run([str(bin_dir / "mutmut"), "run", "--max-children", children], check=False)
    subprocess.run([str(bin_dir / "mutmut"), "export-cicd-stats"], check=False, capture_output=True)
    stats_file = Path("mutants") / "mutmut-cicd-stats.json"
    if not stats_file.exists():
        print("mutmut wrote no statistics (see its output above)")
        return run.returncode or 1
    stats = json.loads(stats_file.read_text())
    killed = stats.get("killed", 0)
    survived = stats.get("survived", 0)
    timeout = stats.get("timeout", 0)
    unreached = stats.get("no_tests", 0)
    reached = killed + survived + timeout
    print(
        f"mutation score: {killed / reached if reached else float('nan'):.1%} of the mutants the selected tests "
        f"reach ({killed} killed, {survived} survived, {timeout} timed out); {unreached} more mutants are in code "
        f"no selected test runs ({killed / (reached + unreached) if reached + unreached else float('nan'):.1%} "
        "counting those as survived)"
    )
    print(json.dumps(stats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
