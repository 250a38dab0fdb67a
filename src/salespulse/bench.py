"""`make bench`: time demo generation, the home-page selectors and a public-data import.

Runs against a throw-away SQLite database under a temporary folder, or against the
database in DATABASE_URL when it is set. There it migrates and writes demo rows, so use
a database you can wipe. Prints a Markdown table for docs/benchmarks.md.

    .venv/bin/python -m salespulse.bench [--scale N] [--runs N] [--maven DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _time(function: Callable[[], object], runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), _percentile(samples, 0.95)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="demo scale factor (default 1)")
    parser.add_argument("--runs", type=int, default=20, help="repetitions per query (default 20)")
    parser.add_argument("--maven", type=Path, default=None,
                        help="folder with the Maven CRM sales-opportunities CSV files to import")
    args = parser.parse_args(argv)

    if not os.environ.get("DATABASE_URL"):
        os.environ["SALESPULSE_VAR_DIR"] = tempfile.mkdtemp(prefix="salespulse-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salespulse.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from salespulse.accounts.models import Role, User
    from salespulse.analytics import selectors
    from salespulse.demo.reference import FULL
    from salespulse.demo.services import generate_demo_workspace

    rows: list[tuple[str, str]] = []
    call_command("migrate", verbosity=0)

    started = time.perf_counter()
    workspace = generate_demo_workspace(size=FULL.scaled(args.scale), reset=True)
    rows.append((f"demo generate, scale {args.scale}", f"{time.perf_counter() - started:.1f} s"))
    counts = ", ".join(f"{name} {count:,}" for name, count in workspace.row_counts.items())

    now = timezone.now()
    for role in (Role.REP, Role.MANAGER, Role.DIRECTOR, Role.OPS):
        user = User.objects.filter(role=role, username__startswith="demo-").order_by("username").first()
        analytics_filter = selectors.AnalyticsFilter.for_home(user, now)

        def home_questions(analytics_filter=analytics_filter):
            selectors.conversion_cycle_by_channel(analytics_filter)
            selectors.losses_by_rep_and_stage(analytics_filter)
            selectors.stale_leads(analytics_filter)
            selectors.revenue_new_vs_repeat(analytics_filter)
            selectors.lost_deals_by_followups(analytics_filter)

        p50, p95 = _time(home_questions, args.runs)
        rows.append((f"home selectors as {role} ({args.runs} runs)", f"p50 {p50:.0f} ms, p95 {p95:.0f} ms"))

    if args.maven:
        files = [str(args.maven / name) for name in
                 ("sales_teams.csv", "accounts.csv", "products.csv", "sales_pipeline.csv")]
        started = time.perf_counter()
        call_command("import", *files, "--accept-close-matches", stdout=open(os.devnull, "w"))
        rows.append(("import Maven CRM set (8,800 deals)", f"{time.perf_counter() - started:.1f} s"))

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"database {connection.vendor}")
    print(f"rows: {counts}\n")
    print("| measurement | result |\n|---|---|")
    for name, result in rows:
        print(f"| {name} | {result} |")


if __name__ == "__main__":
    main(sys.argv[1:])
