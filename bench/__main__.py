"""``python -m bench [NAME ...]``: run the named benchmarks (all of them by default)."""

import argparse
import json
import sys

from . import setup_django

BENCHMARKS = {
    "report-pdf": ("bench.report_pdf", "main"),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"benchmarks to run: {', '.join(BENCHMARKS)} (default: all)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args, rest = parser.parse_known_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)} (known: {', '.join(BENCHMARKS)})")
    setup_django()
    from importlib import import_module

    results = {}
    for name in args.names or list(BENCHMARKS):
        module, function = BENCHMARKS[name]
        results[name] = getattr(import_module(module), function)(rest, quiet=args.json)
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
