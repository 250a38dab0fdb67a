"""`salespulse demo ensure | credentials | generate`: the demo workspace from the CLI."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from salespulse.accounts.models import Role
from salespulse.demo.reference import SEED, SIZES, DemoSize
from salespulse.demo.services import demo_sign_ins, ensure_demo_workspace, generate_demo_workspace
from salespulse.demo.timeshift import latest_anchor


class Command(BaseCommand):
    help = "Create the demo workspace once, print its sign-ins, or regenerate it at a scale."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "action",
            choices=("ensure", "credentials", "generate"),
            help="ensure: create the demo workspace unless it exists; credentials: print the "
            "demo username and password for each role; generate: write the demo workspace.",
        )
        parser.add_argument(
            "--size",
            choices=sorted(SIZES),
            default="full",
            help="full: 200 reps in 4 regions; small: 16 reps, for tests (default full).",
        )
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="generate: multiplier of customers, leads and opportunities (default 1).",
        )
        parser.add_argument(
            "--seed", type=int, default=SEED, help="generate: random seed (default %(default)s)."
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="generate: delete the demo workspace first.",
        )

    def handle(self, *args, action: str, **options) -> None:
        if action == "ensure":
            self._ensure(SIZES[options["size"]])
        elif action == "credentials":
            self._credentials()
        else:
            self._generate(options)

    def _ensure(self, size: DemoSize) -> None:
        started = time.perf_counter()
        # The history ends at the latest past 18:00 Shanghai time, so recent activity and
        # stale leads look as they would live and nothing lies in the future.
        workspace, created = ensure_demo_workspace(size=size, anchor=latest_anchor(timezone.now()))
        if not created:
            created_at = timezone.localtime(workspace.created_at).strftime("%Y-%m-%d %H:%M")
            self.stdout.write(
                _("The demo workspace already exists (created %(created)s); nothing to do.")
                % {"created": created_at}
            )
            return
        self._report(workspace, time.perf_counter() - started)

    def _generate(self, options: dict) -> None:
        if options["scale"] < 1:
            raise CommandError(
                _("--scale must be 1 or more, not %(scale)s.") % {"scale": options["scale"]}
            )
        started = time.perf_counter()
        size = SIZES[options["size"]].scaled(options["scale"])
        try:
            workspace = generate_demo_workspace(
                size=size, seed=options["seed"], reset=options["reset"]
            )
        except ValueError as error:
            raise CommandError(
                _("A demo workspace already exists; add --reset to replace it.")
            ) from error
        self._report(workspace, time.perf_counter() - started)

    def _report(self, workspace, seconds: float) -> None:
        counts = ", ".join(f"{name} {count}" for name, count in workspace.row_counts.items())
        self.stdout.write(
            _("Demo workspace created in %(seconds).1f s: %(counts)s.")
            % {"seconds": seconds, "counts": counts}
        )

    def _credentials(self) -> None:
        self.stdout.write(_("Demo sign-in (every role uses the same password):"))
        for sign_in in demo_sign_ins():
            self.stdout.write(
                f"  {Role(sign_in.role).label}: {sign_in.username} / {sign_in.password}"
            )
