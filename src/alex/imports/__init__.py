"""Importing positions from a CSV file: Alex's simple layout, the position exports of Fidelity,
Schwab and Vanguard, or any layout through a column mapping. One module per layout; `parse.py`
chooses the layout and validates every line the same way. No database access here: the API
route previews the result and commits it."""

from alex.imports.base import LineMessage, SourceAccount
from alex.imports.mapped import ColumnMapping
from alex.imports.parse import FORMATS, Holding, ParsedImport, parse_positions

__all__ = [
    "FORMATS",
    "ColumnMapping",
    "Holding",
    "LineMessage",
    "ParsedImport",
    "SourceAccount",
    "parse_positions",
]
