"""Reports as files officers open: CSV (UTF-8 with BOM, so Excel reads the Chinese), XLSX and HTML.

A report is tabular data: a title, columns `[(key, label)]`, rows of dicts and an optional
totals row; each writer takes that shape.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .messages import environment


@dataclass
class Table:
    title: str
    subtitle: str
    columns: list[tuple[str, str]]
    rows: list[dict]
    totals: dict | None = None
    sections: list[Table] = field(default_factory=list)


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for t in [table, *table.sections]:
        writer.writerow([t.title, t.subtitle])
        writer.writerow([label for _, label in t.columns])
        for row in t.rows:
            writer.writerow([_cell(row.get(key)) for key, _ in t.columns])
        if t.totals is not None:
            writer.writerow([_cell(t.totals.get(key)) for key, _ in t.columns])
        writer.writerow([])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def _cell(value: object) -> object:
    return "" if value is None else value


def _number(value: object) -> object:
    """Decimal strings become numbers in a spreadsheet, so officers can sum them."""
    if isinstance(value, str):
        try:
            return float(value) if "." in value else int(value)
        except ValueError:
            return value
    return value


def to_xlsx(table: Table) -> bytes:
    workbook = Workbook()
    for index, t in enumerate([table, *table.sections]):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        sheet.title = t.title[:31]
        sheet.append([f"{t.title}（{t.subtitle}）"])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append([label for _, label in t.columns])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for row in t.rows:
            sheet.append([_number(_cell(row.get(key))) for key, _ in t.columns])
        if t.totals is not None:
            sheet.append([_number(_cell(t.totals.get(key))) for key, _ in t.columns])
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
        sheet.freeze_panes = "A3"
        for position, (key, label) in enumerate(t.columns, start=1):
            longest = max([len(str(label))] + [len(str(r.get(key) or "")) for r in t.rows[:500]])
            sheet.column_dimensions[get_column_letter(position)].width = min(60, max(8, longest * 2 + 2))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_html(table: Table) -> str:
    return environment().get_template("reports/table.html").render(table=table)
