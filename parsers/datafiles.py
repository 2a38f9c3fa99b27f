"""Loading of the rule files in parsers/data/ (TOML), read once per process."""
from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


@functools.lru_cache(maxsize=None)
def load(name: str) -> dict[str, Any]:
    """The parsed contents of parsers/data/<name>.toml; a clear error if it is missing or bad."""
    path = DATA_DIR / f"{name}.toml"
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise FileNotFoundError(f"parser rule file missing: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"parser rule file {path} is not valid TOML: {exc}") from None
