"""`manage.py demo`: build the demo company, list its users, or add contacts for benchmarks."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tawasul.core.db import planner_statistics_refresh
from tawasul.demo import builder


class Command(BaseCommand):
    help = gettext_lazy(
        "Build the demo company with its staff, master data and contacts (all passwords: "
        "“demo”), list the demo users, or add generated contacts for benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=_("Do nothing if the demo company already exists."),
        )
        parser.add_argument(
            "--size",
            choices=sorted(builder.SIZES),
            default="full",
            help=_("How many contacts the demo starts with: small (%(small)s) or full (%(full)s).")
            % {size: count for size, (count, _s) in builder.SIZES.items()},
        )
        parser.add_argument(
            "--list-users",
            action="store_true",
            help=_("Print the demo users: user name, role, department."),
        )
        parser.add_argument(
            "--contacts",
            type=int,
            metavar="N",
            help=_(
                "Add N generated contacts in bulk to the demo company (building it first "
                "if needed), for benchmarks."
            ),
        )
        parser.add_argument(
            "--batch-size", type=int, default=20_000, help=_("Contacts per bulk batch.")
        )

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        if options["list_users"]:
            self._list_users()
            return
        if options["contacts"] is not None:
            self._add_contacts(options["contacts"], options["batch_size"])
            return
        if options["if_empty"] and builder.demo_company() is not None:
            return
        started = time.perf_counter()
        company, built = builder.demo_build(size=options["size"], say=self._say)
        if built:
            planner_statistics_refresh()
        if not built:
            self.stdout.write(
                _("The demo company “%(name)s” already exists; nothing to do.")
                % {"name": company.name}
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Built the demo company “%(name)s” in %(seconds).1f s. Every user's password "
                    "is “%(password)s”."
                )
                % {
                    "name": company.name,
                    "seconds": time.perf_counter() - started,
                    "password": builder.PASSWORD,
                }
            )
        )

    def _say(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(message)

    def _list_users(self) -> None:
        users = builder.demo_users()
        if not users:
            raise CommandError(_("There is no demo company yet; run “manage.py demo” first."))
        width = max(len(user.username) for user in users) + 2
        role_width = max(len(user.role) for user in users) + 2
        for user in users:
            self.stdout.write(f"{user.username:<{width}}{user.role:<{role_width}}{user.department}")

    def _add_contacts(self, count: int, batch_size: int) -> None:
        if count < 1:
            raise CommandError(_("Give a positive number of contacts."))
        if batch_size < 1:
            raise CommandError(_("Give a positive batch size."))
        started = time.perf_counter()
        added = builder.bulk_contacts_add(count=count, batch_size=batch_size, say=self._say)
        planner_statistics_refresh()
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                _("Added %(count)s contacts in %(seconds).1f s (%(rate)s per second).")
                % {"count": f"{added:,}", "seconds": seconds, "rate": f"{added / seconds:,.0f}"}
            )
        )
