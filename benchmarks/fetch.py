"""Fetch throughput and memory: newsprism's fetch_many against trafilatura's downloader.

Run by hand (trafilatura is the optional `bench` dependency group):

    .venv/bin/python benchmarks/fetch.py [--pages 1000] [--hosts 40] [--workers 8] [--interval 0.05]

A server process (benchmarks/_serve.py, shared with pipeline.py) binds one threaded HTTP server
on each of 127.0.0.2 ... 127.0.0.(hosts+1) (on Linux all of 127.0.0.0/8 reaches the loopback
interface) and serves `--pages` distinct generated news pages of 10-80 KB, gzip-compressed when
asked (both clients ask), over real sockets with keep-alive. Each contender then runs in its own fresh process (spawned, not forked, so nothing
of this process's memory is counted) and fetches every page once:

- newsprism, WARC archive on: fetch_many with robots.txt, per-host pacing, the address guard
  (the loopback addresses allow-listed), the connection cap, and every response written to a
  gzipped WARC file, as the pipeline does;
- newsprism, archive off: the same without the WARC file;
- trafilatura: `trafilatura.downloads.buffered_downloads` (fetch_url on a thread pool of the
  same size; its SSRF protection off, since the server is on loopback).

"pages ok" counts pages whose body is byte-identical to what was served (for trafilatura, whose
fetch_url returns text, identical once decoded). Memory is the process's peak resident set
(`resource.getrusage(RUSAGE_SELF).ru_maxrss` in the contender's own process), shown with the
peak after imports, before the first request, so the fetching's share can be read off. CPU is
the contender's user+system time. The server shares the machine's cores with the client.
"""
from __future__ import annotations

import argparse
import hashlib
import multiprocessing as mp
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from _serve import Resource, Site, SiteServer  # noqa: E402  (benchmarks/ is this script's folder)
from _serve import resource as page_resource  # noqa: E402


# --------------------------------------------------------------------------------------------
# Pages


def _vocabulary(rng: random.Random, n: int = 6000) -> list[str]:
    """Pseudo-words built from syllables: text that compresses about as well as prose does."""
    syllables = [c + v for c in "bcdfghjklmnprstvz" for v in ("a", "e", "i", "o", "u", "ia", "ue")]
    return ["".join(rng.choices(syllables, k=rng.choice((1, 2, 2, 3, 3, 4)))) for _ in range(n)]


def _sentence(rng: random.Random, vocab: list[str]) -> str:
    words = rng.choices(vocab, k=rng.randint(8, 28))
    words[0] = words[0].capitalize()
    return " ".join(words) + rng.choice((".", ".", ".", "?", ";"))


def make_page(i: int, rng: random.Random, vocab: list[str]) -> bytes:
    """One news page of 10-80 KB: head with metadata and inline script, navigation, an article
    of paragraphs, related links, footer."""
    target = rng.randint(10_000, 80_000)
    title = " ".join(rng.choices(vocab, k=8)).capitalize()
    nav = "".join(f'<li><a href="/section/{w}">{w.capitalize()}</a></li>' for w in rng.sample(vocab, 40))
    head = (
        f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>"
        f"<meta name=\"description\" content=\"{_sentence(rng, vocab)}\">"
        f"<meta property=\"og:title\" content=\"{title}\"><link rel=\"canonical\" href=\"/story/{i}\">"
        "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
        f"gtag('js',new Date());gtag('config','UA-{rng.randint(10**6, 10**7)}-1');</script>"
        f"</head><body><header><nav><ul>{nav}</ul></nav></header><main><article><h1>{title}</h1>"
        f"<p class=\"byline\">By {' '.join(rng.choices(vocab, k=2)).title()}</p>"
    )
    tail = (
        "</article><aside><h2>Related</h2><ul>"
        + "".join(f'<li><a href="/story/{rng.randint(1, 10**6)}">{_sentence(rng, vocab)}</a></li>' for _ in range(8))
        + "</ul></aside></main><footer><p>&copy; 2025 Example Ledger</p></footer></body></html>"
    )
    parts = [head]
    size = len(head) + len(tail)
    while size < target:
        para = "<p>" + " ".join(_sentence(rng, vocab) for _ in range(rng.randint(2, 6))) + "</p>\n"
        parts.append(para)
        size += len(para)
    parts.append(tail)
    return "".join(parts).encode("utf-8")


def make_site(pages: int, hosts: int, seed: int) -> Site:
    """The pages keyed "host/path" (served by benchmarks/_serve.py), and their order shuffled:
    discovery order, not host order."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    site: dict[str, Resource] = {}
    for i in range(pages):
        host = f"127.0.0.{2 + i % hosts}"
        site[f"{host}/story/{i}"] = page_resource(make_page(i, rng, vocab))
    order = list(site)
    rng.shuffle(order)
    return Site(site, order)


# --------------------------------------------------------------------------------------------
# Contenders (each in its own process)


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run_newsprism(urls: list[str], expected: dict[str, str], opts: dict, out: mp.Queue) -> None:
    from flows.archive import WarcWriter
    from flows.http import FetchPolicy, fetch_many, make_session

    hosts = tuple(sorted({u.split("/")[2].split(":")[0] for u in urls}))
    policy = FetchPolicy(allow_hosts=("127.0.0.0/8",), max_connections=opts["workers"])
    rss_imports = _rss_mib()
    cpu0 = _cpu()
    with tempfile.TemporaryDirectory() as tmp:
        warc = Path(tmp) / "bench.warc.gz"
        started = time.perf_counter()
        with make_session(policy) as session:
            if opts["archive"]:
                with WarcWriter(warc) as archive:
                    results = fetch_many(urls, session, policy, archive=archive, max_workers=opts["workers"], per_host_interval=opts["interval"])
            else:
                results = fetch_many(urls, session, policy, max_workers=opts["workers"], per_host_interval=opts["interval"])
        elapsed = time.perf_counter() - started
        warc_bytes = warc.stat().st_size if warc.exists() else 0
    ok = sum(1 for r in results if r.ok and r.sha256 == expected[r.url])
    out.put(dict(elapsed=elapsed, ok=ok, rss_imports=rss_imports, rss_peak=_rss_mib(), cpu=_cpu() - cpu0,
                 warc_bytes=warc_bytes, hosts=len(hosts), statuses=_count(r.status for r in results)))


def run_trafilatura(urls: list[str], expected: dict[str, str], opts: dict, out: mp.Queue) -> None:
    from copy import deepcopy

    from trafilatura.downloads import buffered_downloads
    from trafilatura.settings import DEFAULT_CONFIG, Extractor

    config = deepcopy(DEFAULT_CONFIG)
    config["DEFAULT"]["SSRF_PROTECTION"] = "off"  # the test server is on loopback
    options = Extractor(config=config)
    rss_imports = _rss_mib()
    cpu0 = _cpu()
    started = time.perf_counter()
    results = list(buffered_downloads(urls, opts["workers"], options=options))
    elapsed = time.perf_counter() - started
    ok = sum(1 for u, html in results if html is not None and hashlib.sha256(html.encode("utf-8")).hexdigest() == expected[u])
    out.put(dict(elapsed=elapsed, ok=ok, rss_imports=rss_imports, rss_peak=_rss_mib(), cpu=_cpu() - cpu0,
                 warc_bytes=0, statuses=_count("ok" if h is not None else "failed" for _, h in results)))


def _count(items) -> dict[str, int]:
    counts: dict[str, int] = {}
    for s in items:
        counts[s] = counts.get(s, 0) + 1
    return counts


CONTENDERS = {
    "newsprism (WARC on)": (run_newsprism, {"archive": True}),
    "newsprism (WARC off)": (run_newsprism, {"archive": False}),
    "trafilatura 2.3.1": (run_trafilatura, {}),
}


def _run(ctx: mp.context.BaseContext, name: str, urls: list[str], expected: dict[str, str], opts: dict) -> dict:
    target, extra = CONTENDERS[name]
    out: mp.Queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(urls, expected, {**opts, **extra}, out))
    proc.start()
    result = out.get(timeout=600)
    proc.join(timeout=60)
    return result


# --------------------------------------------------------------------------------------------
# Main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--hosts", type=int, default=40, help="loopback addresses 127.0.0.2 ... (at most 250)")
    ap.add_argument("--workers", type=int, default=8, help="threads per contender (and newsprism's max_connections)")
    ap.add_argument("--interval", type=float, default=0.05, help="newsprism's per-host interval, seconds")
    ap.add_argument("--repeat", type=int, default=3, help="runs per contender; the median run is shown")
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--only", action="append", choices=list(CONTENDERS), help="run only these contenders")
    args = ap.parse_args(argv)
    if not 1 <= args.hosts <= 250:
        ap.error("--hosts must be between 1 and 250")
    names = args.only or list(CONTENDERS)
    if any(n.startswith("trafilatura") for n in names):
        try:
            import trafilatura  # noqa: F401
        except ImportError:
            ap.error("trafilatura is not installed: pip install -e '.[bench]' (or drop it with --only)")

    ctx = mp.get_context("spawn")
    with SiteServer(make_site, (args.pages, args.hosts, args.seed), timeout=300) as served:
        urls, expected, raw_bytes, gz_bytes = served.urls, served.sha256, served.page_bytes, served.gz_bytes
        print(f"{len(urls)} pages on {args.hosts} hosts: {raw_bytes / len(urls) / 1024:.1f} KB a page on average "
              f"({gz_bytes / len(urls) / 1024:.1f} KB gzipped); {args.workers} workers; newsprism per-host interval "
              f"{args.interval:g} s, robots.txt on; median of {args.repeat} run(s)")
        print(f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, {platform.platform()}")
        print()
        rows = []
        for name in names:
            runs = [_run(ctx, name, urls, expected, vars(args)) for _ in range(args.repeat)]
            runs.sort(key=lambda r: r["elapsed"])
            med = runs[len(runs) // 2]
            rows.append((name, med, [r["elapsed"] for r in runs]))
        header = f"{'contender':<22} {'pages/s':>8} {'wall s':>7} {'CPU s':>6} {'peak RSS MiB':>13} {'after imports':>14} {'pages ok':>9}"
        print(header)
        print("-" * len(header))
        for name, r, _ in rows:
            print(f"{name:<22} {len(urls) / r['elapsed']:>8.0f} {r['elapsed']:>7.2f} {r['cpu']:>6.2f} {r['rss_peak']:>13.0f} "
                  f"{r['rss_imports']:>14.0f} {r['ok']:>5}/{len(urls)}")
        print()
        for name, r, times in rows:
            extra = f"; WARC {r['warc_bytes'] / 2**20:.1f} MiB" if r["warc_bytes"] else ""
            spread = f"runs {', '.join(f'{t:.2f}' for t in times)} s" + (f" (sd {statistics.stdev(times):.2f})" if len(times) > 1 else "")
            print(f"{name}: {spread}; statuses {r['statuses']}{extra}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
