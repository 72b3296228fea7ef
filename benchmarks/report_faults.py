"""Fault-injection report: runs the fault scenarios of tests/faults and prints, per
scenario, the faults injected, actions attempted/applied, duplicates, lost changes, the
time to converge after recovery and the longest GUI-thread stall.

Same code as the tests (tests/faults/fault_scenarios.py). Short variants by default,
`--long` for the long ones (20 s of 5xx, 10 s latency, the console's own timeouts).
Usage (from the repository's root, where `tests` is importable):
    QT_QPA_PLATFORM=offscreen python -m benchmarks.report_faults [--long] [names...]
Exit status 1 when a scenario breaks a must (duplicates, lost changes, misreported).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import tests.faults.fault_scenarios as fs  # after QT_QPA_PLATFORM is set


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--long", action="store_true", help="the long variants")
    parser.add_argument("names", nargs="*", choices=[[], *fs.SCENARIOS], default=[])
    args = parser.parse_args()
    profile = fs.LONG if args.long else fs.SHORT
    names = args.names or list(fs.SCENARIOS)
    results = []
    with tempfile.TemporaryDirectory(prefix="faults-") as tmp:
        for name in names:
            started = time.monotonic()
            result = fs.run_scenario(name, profile, Path(tmp) / name)
            results.append(result)
            print(fs.details(result))
            print(f"  ({time.monotonic() - started:.1f} s)\n", flush=True)
    print(fs.format_table(results))
    bad = [
        r.name
        for r in results
        if r.duplicates or r.lost_changes or r.misreported or r.unknown or r.mismatch
    ]
    if bad:
        print(f"\nFAILED: {', '.join(bad)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
