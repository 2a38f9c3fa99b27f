"""Warehouse tests run on in-memory DuckDB: `empty_warehouse` is a fresh one with every migration
and view applied."""
from __future__ import annotations

import duckdb
import pytest

from warehouse.schema import ensure_schema


@pytest.fixture()
def empty_warehouse():
    c = duckdb.connect(":memory:")
    ensure_schema(c)
    yield c
    c.close()
