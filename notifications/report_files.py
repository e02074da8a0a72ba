"""Reports as files officers open: CSV (UTF-8 with BOM, so Excel reads the Chinese), XLSX and HTML.

A report is tabular data: a title, columns `[(key, label)]`, rows of dicts and an optional
totals row; each writer takes that shape, and every export goes through `cells`, the one place
that decides what a cell holds:
- only the columns a table declares `numeric` (amounts, counts) become numbers; identifiers
  (credit codes, ID numbers, case numbers, phone numbers) stay text even when all digits, since
  a spreadsheet keeps 15 significant digits and would turn 914403001922038216 into …272;
- text that a spreadsheet would read as a formula (starting with = + - @, TAB or CR) is
  neutralised with a leading apostrophe (OWASP "CSV injection"), so no cell is ever a formula
  made from user data;
- every valid resident ID number in free text is removed (SPEC §2: shown masked, never whole),
  in CSV, XLSX and HTML alike.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from state_machines.identifiers import redact_id_numbers

from .messages import environment


@dataclass
class Table:
    title: str
    subtitle: str
    columns: list[tuple[str, str]]
    rows: list[dict]
    totals: dict | None = None
    sections: list[Table] = field(default_factory=list)
    numeric: frozenset[str] = frozenset()
    """Keys of the columns that hold amounts or counts; every other column is text."""


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d{1,15}(\.\d{1,2})?")


def safe_text(value: object) -> str:
    """Text as a spreadsheet must show it, never evaluate it."""
    text = redact_id_numbers(str(value))
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def cell(value: object, numeric: bool) -> object:
    """What one cell holds: a number only in a numeric column, otherwise neutralised text."""
    if value is None:
        return ""
    if numeric and not isinstance(value, bool):
        if isinstance(value, int | float | Decimal):
            return value
        if isinstance(value, str) and NUMBER.fullmatch(value):
            return Decimal(value)
    return safe_text(value)


def cells(table: Table, row: dict) -> list[object]:
    return [cell(row.get(key), key in table.numeric) for key, _ in table.columns]


def _text_row(values: Iterable[object]) -> list[str]:
    return [safe_text(v) for v in values]


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for t in [table, *table.sections]:
        writer.writerow(_text_row([t.title, t.subtitle]))
        writer.writerow(_text_row(label for _, label in t.columns))
        for row in t.rows:
            writer.writerow(cells(t, row))
        if t.totals is not None:
            writer.writerow(cells(t, t.totals))
        writer.writerow([])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    workbook = Workbook()
    for index, t in enumerate([table, *table.sections]):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        sheet.title = _sheet_title(t.title)
        sheet.append(_text_row([f"{t.title}（{t.subtitle}）"]))
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append(_text_row(label for _, label in t.columns))
        for cell in sheet[2]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for row in t.rows:
            sheet.append(cells(t, row))
        if t.totals is not None:
            sheet.append(cells(t, t.totals))
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
        sheet.freeze_panes = "A3"
        for position, (key, label) in enumerate(t.columns, start=1):
            longest = max([len(str(label))] + [len(str(r.get(key) or "")) for r in t.rows[:500]])
            sheet.column_dimensions[get_column_letter(position)].width = min(60, max(8, longest * 2 + 2))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    """Excel refuses []:*?/\\ in sheet names and more than 31 characters."""
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Sheet"


def _redacted(table: Table) -> Table:
    """The same table with ID numbers removed from its text (HTML escapes, it needs no apostrophe)."""
    def shown(row: dict | None) -> dict | None:
        return None if row is None else {k: redact_id_numbers(v) if isinstance(v, str) else v for k, v in row.items()}

    return Table(redact_id_numbers(table.title), redact_id_numbers(table.subtitle), table.columns,
                 [shown(r) for r in table.rows], shown(table.totals), [_redacted(s) for s in table.sections],
                 table.numeric)


def to_html(table: Table) -> str:
    return environment().get_template("reports/table.html").render(table=_redacted(table))
