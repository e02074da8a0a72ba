"""Issue 15 #2: every CSV and XLSX export, present and future, goes through the one formula-safe
writer (`notifications.report_files`); no other module of ours writes a spreadsheet or a CSV."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WRITER = ROOT / "notifications" / "report_files.py"
WRITING = re.compile(r"^\s*(from openpyxl\b|import openpyxl\b|import csv\b|from csv\b|import xlsxwriter\b"
                     r"|from xlsxwriter\b)", re.MULTILINE)


def test_only_the_one_writer_imports_a_spreadsheet_or_csv_library() -> None:
    offenders = [str(path.relative_to(ROOT))
                 for package in ("service", "notifications", "workflows", "state_machines")
                 for path in sorted((ROOT / package).rglob("*.py"))
                 if path != WRITER and WRITING.search(path.read_text(encoding="utf-8"))]
    assert offenders == [], f"export through notifications.report_files instead: {offenders}"
