"""Documents (PDFs, spreadsheets, CSV exports) rendered once on the task queue and kept in
storage under a key from the exact content they show (docs/adr/0014-task-queue.md).

Each kind of document registers itself (``registry.register``) where it belongs: the assessment
reports and the roll-ups in ``assessments``, the forums' and facility time's in ``partnership``.
The machinery here (the ``Document`` row, asking, queueing, rendering, the waiting page) knows
nothing of what a kind shows, so the lower layer carries it for both.
"""
