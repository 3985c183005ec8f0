"""`make run`: the built-in simulator serves the demo scenario, a sweep reads it, and the
portal starts with the simulator still running, so «Проверить сейчас» works too."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from monitoring.demo import build_scenario, demo_settings
from monitoring.models import SweepRun
from monitoring.simulator.server import start_simulator


class Command(BaseCommand):
    help = "Start the VK/OK/MAX simulator with the demo scenario, sweep it, then serve the portal."

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="sweep only, do not start the web server")
        parser.add_argument("--resweep", action="store_true", help="sweep even if the demo was swept before")

    def handle(self, *args, addrport: str, no_serve: bool, resweep: bool, **options):
        simulator = start_simulator(build_scenario())
        for name, value in demo_settings(simulator.url_vk, simulator.url_ok, simulator.url_max).items():
            setattr(settings, name, value)
        self.stdout.write(f"Симулятор VK, OK и MAX: {simulator.url}")
        try:
            if resweep or not SweepRun.objects.exclude(finished_at=None).exists():
                self.stdout.write("Демонстрационная ночная проверка (через симулятор):")
                call_command("sweep", stdout=self.stdout._out, stderr=self.stderr._out)
            if not no_serve:
                self.stdout.write(f"Портал: http://{addrport}/  (Ctrl+C — остановить)")
                call_command("runserver", addrport, use_reloader=False)
        finally:
            simulator.stop()
