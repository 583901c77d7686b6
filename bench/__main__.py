"""``python -m bench [NAME] [options]``: run a benchmark (``national`` by default).

- ``national`` (``make bench``): the national data set on PostgreSQL and every measurement,
  the board report PDF's included; prints a table, then one JSON object as the last line.
- ``rollup`` (``make bench`` too): the national roll-up, 20,000 organisations' summary rows, on
  PostgreSQL: the gap map's and coverage's timings and query counts.
- ``load``: only the save load test (gunicorn, saves against the minimal signed-in view), on a
  kept data set (``--reuse``) or a new one (200 organisations by default).
- ``documents``: only the board reports on the task queue (50 asked for at once through
  gunicorn and two task workers; the time until all are downloadable, a worker's peak RSS,
  serving a stored report).
- ``report-pdf``: the board report PDF alone, in a throwaway database (SQLite by default).

Options follow the name (``python -m bench report-pdf --help``); ``--json`` prints only the
figures, as JSON.
"""

import json
import os
import sys

from . import setup_django

# name: (module, function, settings)
BENCHMARKS = {
    "national": ("bench.harness", "main", "iwl.settings.bench"),
    "report-pdf": ("bench.report_pdf", "main", "iwl.settings.test"),
    "rollup": ("bench.rollup", "main", "iwl.settings.bench"),
    "load": ("bench.load", "main", "iwl.settings.bench"),
    "documents": ("bench.documents", "main", "iwl.settings.bench"),
}
# Benchmarks that print their figures as one JSON object on the last line.
JSON_LINE = ("national", "rollup", "load", "documents")


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    name = argv.pop(0) if argv and argv[0] in BENCHMARKS else "national"
    if argv and not argv[0].startswith("-"):
        sys.exit(f"python -m bench: unknown benchmark {argv[0]!r} (known: {', '.join(BENCHMARKS)})")
    quiet = "--json" in argv
    rest = [arg for arg in argv if arg != "--json"]
    module, function, settings = BENCHMARKS[name]
    if name in JSON_LINE:
        # Its other processes (gunicorn, the memory probe, the COPY process) use these too.
        os.environ["DJANGO_SETTINGS_MODULE"] = settings
    setup_django(settings)
    from importlib import import_module

    figures = getattr(import_module(module), function)(rest, quiet=quiet)
    if name in JSON_LINE:
        sys.stdout.flush()
        print(json.dumps(figures, separators=(",", ":")))
    elif quiet:
        json.dump({name: figures}, sys.stdout, indent=2)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
