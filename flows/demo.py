"""The demo: the real pipeline over the bundled sample edition, replayed as the story unfolded.

The sample edition's WARC holds every outlet feed captured at several times. The demo runs one
collection round per capture time, each replaying the archive as it was then, so the warehouse
grows the way a scheduled collection would have grown it: early reports first, later articles and
corrections after. Re-running the demo gives the same warehouse, because replayed fetches carry
the capture time, not the wall-clock time.
"""
from __future__ import annotations

import tomllib
from pathlib import Path

from prefect import flow

from flows.pipeline import run_flow
from flows.runtime import local_flow_settings

DEMO_TOPIC = "noem-sheinbaum-sample"


def capture_times(sample_dir: Path) -> list[str]:
    edition = tomllib.loads((sample_dir / "edition.toml").read_text(encoding="utf-8"))
    return sorted(edition["edition"]["feed_captures"])


@flow(name="newsprism-demo", flow_run_name="demo-{topic}")
def demo_flow(sample_dir: str, db: str, config: str, topic: str = DEMO_TOPIC) -> str:
    """Replay the sample edition round by round, then report on the final state."""
    times = capture_times(Path(sample_dir))
    for as_of in times[:-1]:
        run_flow(topic=topic, config=config, db=db, as_of=as_of, with_report=False)
    # The last round replays the archive's latest captures (as_of=None), as a live run would.
    return run_flow(topic=topic, config=config, db=db, as_of=None).report


def run_demo(sample_dir: Path, *, db: str, config: str) -> str:
    from flows.sample import build_sample_warc

    build_sample_warc(sample_dir, sample_dir / "edition.warc.gz")
    with local_flow_settings():
        return demo_flow(str(sample_dir), db, config)
