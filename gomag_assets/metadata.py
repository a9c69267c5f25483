"""Materialization metadata that reads well in the Dagster UI."""

from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd
from dagster import MetadataValue, TableColumn, TableRecord, TableSchema

from gomag_assets.resources.order_store import OrderStore


def _cell(value: object, limit: int = 200) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def markdown_table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], *, max_rows: int = 200
) -> MetadataValue:
    """A Markdown table, cells escaped and shortened, with a note when rows were left out."""
    rows = list(rows)
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows[:max_rows]]
    if len(rows) > max_rows:
        lines.append(f"\n{len(rows) - max_rows} more rows not shown.")
    return MetadataValue.md("\n".join(lines))


def frame_column_schema(frame: pd.DataFrame) -> TableSchema:
    """The columns and dtypes a stage actually produced, so schema-change checks see drift."""
    return TableSchema(
        columns=[
            TableColumn(name=str(name), type=str(dtype)) for name, dtype in frame.dtypes.items()
        ]
    )


def table(columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[object]]) -> MetadataValue:
    """A typed table the UI renders with aligned numbers: ``columns`` are ``(name, type)``
    pairs (``"string"``, ``"int"``, ``"float"``), ``rows`` their values in that order."""
    names = [name for name, _ in columns]
    return MetadataValue.table(
        records=[TableRecord(dict(zip(names, row, strict=True))) for row in rows],
        schema=TableSchema(columns=[TableColumn(name, kind) for name, kind in columns]),
    )


def file_link(path: str | Path) -> MetadataValue:
    """An absolute path the UI shows whole, whatever the working directory was."""
    return MetadataValue.path(str(Path(path).resolve()))


def store_link(order_store: OrderStore) -> MetadataValue:
    """The order store's file, or its PostgreSQL URL without the password."""
    if order_store.db_url:
        return MetadataValue.text(order_store.location)
    return file_link(order_store.db_path)
