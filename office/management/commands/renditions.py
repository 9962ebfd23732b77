"""Make the renditions images lack, e.g. after an update, a restore or a killed worker."""

from django.core.management.base import BaseCommand

from office.models import Image


class Command(BaseCommand):
    help = "Erzeugt fehlende oder veraltete Bildvarianten (mit --alle: alle neu)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--alle", action="store_true", dest="everything", help="Alle Varianten neu erzeugen."
        )

    def handle(self, *args, everything=False, **options):
        made, failed = 0, []
        for image in Image.objects.order_by("pk").iterator():
            if not everything and image.has_current_renditions():
                continue
            try:
                made += image.make_renditions()
            except (OSError, ValueError) as error:
                failed.append(f"{image.file.name}: {error}")
        self.stdout.write(f"Bildvarianten erzeugt: {made}")
        for line in failed:
            self.stderr.write(f"Nicht lesbar: {line}")
