"""`ombud demo`: load the Guangdong reception day of 24 March 2012 and a campaign running today
(see ombud/demo/); print the logins, and a tracking number and code to try on /track/.

`make run` calls it with `--if-empty` on every start: it then does nothing once a campaign
exists. Without `--if-empty` it refuses, with a non-zero exit code, to build the demo over an
existing one.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ombud.campaigns.models import Campaign
from ombud.demo import generator
from ombud.demo import today as demo_today
from ombud.directory.models import User


class Command(BaseCommand):
    help = (
        "Create the demo: the 2012 Guangdong insurance service reception day, a campaign running today "
        "and online filings of the last weeks, with logins."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing (and succeed) if any campaign already exists"
        )
        parser.add_argument(
            "--seed", type=int, default=generator.DEFAULT_SEED, help="random seed (default: %(default)s)"
        )
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="multiply the number of visits (default 1: exactly the article's figures)",
        )
        parser.add_argument(
            "--password", default=generator.DEFAULT_PASSWORD, help="password of every demo login (default: %(default)s)"
        )

    def handle(self, *args, **opts):
        if opts["if_empty"] and Campaign.objects.exists():
            self.stdout.write("A campaign already exists: the demo was not loaded (--if-empty).")
            present = User.objects.filter(username__in=generator.DEMO_USERNAMES).order_by("pk")
            names = list(present.values_list("username", flat=True))
            if names:
                self.stdout.write(
                    f"Demo logins: {', '.join(names)} (password as printed when the demo was loaded; "
                    f"default {generator.DEFAULT_PASSWORD})."
                )
                self.today_lines(demo_today.latest_live_campaign(), demo_today.case_to_try())
            return
        if not 0 < opts["scale"] <= 10:
            raise CommandError("--scale must be greater than 0 and at most 10.")
        try:
            result = generator.build(
                seed=opts["seed"], scale=opts["scale"], password=opts["password"], log=self.stdout.write
            )
        except generator.DemoExists as exc:
            raise CommandError(
                f"The demo already exists or clashes with existing data ({exc}). "
                "Use --if-empty to skip it, or start from an empty database."
            ) from exc
        self.stdout.write(self.style.SUCCESS(f"Demo loaded in {result.seconds['total']:.1f} s."))
        self.stdout.write(self.login_table(result))
        if result.report_path:
            self.stdout.write(
                f"Published report to the media (public, no login): {result.report_path}"
                f" (e.g. http://127.0.0.1:8000{result.report_path})"
            )
        try_it = (result.try_tracking_no, result.try_code) if result.try_tracking_no else None
        self.today_lines(result.live_campaign, try_it)

    def today_lines(self, campaign: Campaign | None, try_it: tuple[str, str] | None) -> None:
        """Today's campaign, the case to try on /track/ and where SMS appear (demo/today.py)."""
        if campaign is not None and campaign.is_live:
            self.stdout.write(
                f"Running today: 「{campaign.name}」 — sign in as maoming or guangzhou and record a "
                "visit at /visits/new/."
            )
        elif campaign is not None:
            self.stdout.write(
                f"The demo's campaign 「{campaign.name}」 is no longer running; load the demo into an empty "
                "database (a new OMBUD_DATA_DIR) for one running today."
            )
        if try_it:
            self.stdout.write(
                f"Try the consumer's side: open /track/ and enter tracking number {try_it[0]} "
                f"with secret code {try_it[1]} (a complaint filed online, decided and notified)."
            )
        self.stdout.write(
            "SMS in development (one-time codes of online filing included) are printed on the console of "
            "`ombud serve` (OMBUD_SMS_BACKEND=console, the default); with `make run` (OMBUD_SMS_BACKEND=file) "
            "they are listed at /dev/sms/."
        )

    @staticmethod
    def login_table(result: generator.DemoResult) -> str:
        width = max(len(x.username) for x in result.logins)
        role_width = max(len(x.role) for x in result.logins)
        lines = [
            f"Demo logins (password for all: {result.password}):",
            f"  {'username':<{width}}  {'role':<{role_width}}  where",
        ]
        lines += [f"  {x.username:<{width}}  {x.role:<{role_width}}  {x.where}" for x in result.logins]
        return "\n".join(lines)
