"""Scored reports, board reports, action plans and exports of an assessment, on screen and
on paper.

- ``data``: everything a report reads, in a fixed number of queries, with signatures verified
  in Python;
- ``presenters``: ScoredReport and BoardReport, shared by the pages and the PDFs;
- ``charts``: the standards chart as inline SVG;
- ``action_plan``: the joint action plan's presenter (its page, PDF and exports) and its
  summary for the board report;
- ``pdf``: one WeasyPrint rendering function per report (``RENDERERS``);
- ``exports``: every criterion's responses, and every action of a plan, as CSV and XLSX.

Scoring itself is ``assessments.scoring``.
"""
