"""The web server and a task worker side by side, for `make run`: one command, and Ctrl+C
stops both. Reports are prepared by the worker, so the server alone would leave people waiting.
"""

import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the app (runserver) with a task queue worker beside it; Ctrl+C stops both."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        manage = [sys.executable, sys.argv[0]]
        processes = [
            subprocess.Popen([*manage, "task_worker"]),  # noqa: S603  (our own manage.py)
            subprocess.Popen([*manage, "runserver", addrport]),  # noqa: S603
        ]
        try:
            while all(process.poll() is None for process in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for process in processes:
                if process.poll() is None:
                    process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        failed = [p.args[2] for p in processes if p.returncode not in (0, None, -15, -2)]
        if failed:
            self.stderr.write(f"Stopped: {', '.join(failed)} exited with an error")
