"""Peak memory (RSS) of rendering the largest scored report, in a fresh process.

``measure_peak_rss(assessment_id)`` runs ``python -m bench.memory ID`` so that nothing the
harness did before (millions of rows made, other reports rendered) counts. The child imports
Django and WeasyPrint, notes its RSS, renders the scored report PDF once, and prints its
high-water mark (VmHWM, the same as ru_maxrss on Linux) as JSON.
"""

from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _status_mb(field: str) -> float:
    """A memory figure (VmRSS, VmHWM) of this process from /proc, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"{field} is not in /proc/self/status")


def measure_peak_rss(assessment_id, *, kind: str = "scored") -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "iwl.settings.bench"}
    finished = subprocess.run(
        [sys.executable, "-m", "bench.memory", str(assessment_id), kind],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if finished.returncode != 0:
        raise RuntimeError(f"bench.memory failed:\n{finished.stderr[-3000:]}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


def main(argv) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iwl.settings.bench")
    import django

    django.setup()
    from pypdf import PdfReader

    from assessments.models import Assessment
    from assessments.reports.pdf import RENDERERS

    assessment_id, kind = argv
    assessment = Assessment.objects.select_related("framework", "organisation").get(
        pk=assessment_id
    )
    before = _status_mb("VmRSS")
    started = time.perf_counter()
    pdf = RENDERERS[kind](assessment)
    seconds = time.perf_counter() - started
    peak = _status_mb("VmHWM")
    print(
        json.dumps(
            {
                "kind": kind,
                "criteria": assessment.responses.count(),
                "pdf_bytes": len(pdf),
                "render_s": round(seconds, 2),
                "rss_before_mb": before,
                "pages": len(PdfReader(io.BytesIO(pdf)).pages),
                "peak_rss_mb": peak,
                "ru_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
