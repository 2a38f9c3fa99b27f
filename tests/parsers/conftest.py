"""Fixtures for the parser tests that read the real-page corpora."""
from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tests.parsers.corpus import load_tools


@pytest.fixture(scope="module")
def tools(corpora_dir: Path) -> tuple[ModuleType, ModuleType]:
    return load_tools(corpora_dir)
