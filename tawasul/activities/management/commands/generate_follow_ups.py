"""`manage.py generate_follow_ups [--rule ID ...]`: run the follow-up generator now."""

from django.core.management.base import BaseCommand

from tawasul.activities.followups_generator import follow_ups_generate


class Command(BaseCommand):
    help = "Make the follow-ups that rules and registered sources have due (safe to rerun)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rule", type=int, action="append", dest="rules", help="Only this rule (repeatable)."
        )

    def handle(self, *args, rules=None, **options):
        made = follow_ups_generate(rule_ids=rules)
        for key, count in made.items():
            self.stdout.write(f"{key}: {count}")
        self.stdout.write(self.style.SUCCESS(f"{sum(made.values())} follow-ups made."))
