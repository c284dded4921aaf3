"""What a report table hands to its XLSX: numbers as numbers, never the text shown for them."""

import re

#: Text that is a formatted number: ¥1,234.50, -¥30,000, 12.5%, +3.0%, 1,234.5 (not ids such as "9"
#: or "0012", not "2026-10" or "1-3").
FORMATTED_NUMBER = re.compile(r"^(?=.*[¥%,]|[+-])[+-]?¥?[+-]?\d{1,3}(,\d{3})*(\.\d+)?%?$|^[+-]?¥?\d+(\.\d+)?%$")

def assert_sheet_holds_numbers(styler, name: str = "") -> None:
    """Every cell of the table's XLSX payload that would read as a number is a number."""
    payload = getattr(styler, "workbook_table", None)
    if payload is None:
        return
    text = [(i, j, v) for i, row in enumerate(payload["rows"]) for j, v in enumerate(row)
            if isinstance(v, str) and FORMATTED_NUMBER.match(v.strip())]
    assert not text, f"{name}: numbers reach the XLSX as text (row, column, text): {text[:5]}"


def formatted_number_cells(path) -> list[tuple[str, str, str]]:
    """(sheet, cell, text) of every text cell of an XLSX file that reads as a formatted number."""
    from openpyxl import load_workbook

    found = []
    for sheet in load_workbook(path, read_only=True).worksheets:
        for row in sheet.iter_rows(min_row=2):
            found += [(sheet.title, c.coordinate, c.value) for c in row
                      if isinstance(c.value, str) and FORMATTED_NUMBER.match(c.value.strip())]
    return found
