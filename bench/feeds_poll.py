"""Benchmark of horizon scanning (``make bench``): polling 200 feeds served by a local HTTP server
must finish with bounded memory.

Runs against a throw-away SQLite database under a temporary directory. Each feed has
``--items`` entries. Three rounds: the first stores every item, the second gets 304 Not Modified
everywhere, the third gets changed documents whose items are all already known (dedupe). Memory is
measured with tracemalloc (peak of Python allocations while polling) and the process's peak RSS;
"bounded" means that polling all feeds peaks no higher than 1.5 times polling the first quarter,
i.e. memory does not grow with the number of feeds. Results are appended to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import tempfile
import threading
import time
import tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from common import append_results, django_setup, header, migrate

WORDS = [
    "skogen",
    "vallodling",
    "utlysning",
    "ansökan",
    "energi",
    "gården",
    "mjölk",
    "fisket",
    "turism",
    "innovation",
    "bioekonomi",
    "klimat",
    "vatten",
    "jord",
    "odling",
    "marknad",
    "export",
    "forskning",
    "samverkan",
]


def feed_document(n: int, items: int, version: int) -> bytes:
    entries = []
    for i in range(items):
        words = " ".join(WORDS[(n + i + k) % len(WORDS)] for k in range(40))
        extra = " Sista ansökningsdag 15 mars 2027." if i % 7 == 0 else ""
        entries.append(
            f"<item><title>Nyhet {n}-{i} om {WORDS[(n + i) % len(WORDS)]}</title>"
            f"<link>https://feed{n}.example.se/news/{i}?utm_source=rss&amp;v={version}</link>"
            f"<guid>feed{n}-item{i}</guid><pubDate>Mon, 04 Jan 2027 08:00:00 +0100</pubDate>"
            f"<description>&lt;p&gt;{words}.{extra}&lt;/p&gt;</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Flöde {n} (v{version})</title><link>https://feed{n}.example.se/</link>"
        f"<description>d</description>{''.join(entries)}</channel></rss>"
    ).encode()


class Server:
    def __init__(self, feeds: int, items: int) -> None:
        self.feeds, self.items, self.version = feeds, items, 1
        self.requests = 0
        state = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                state.requests += 1
                n = int(self.path.strip("/").split(".")[0])
                etag = f'"{n}-{state.version}"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                body = feed_document(n, state.items, state.version)
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _setup(var_dir: str) -> None:
    django_setup(None, var_dir, SAMVERKA_FEEDS_ALLOW_PRIVATE="1")
    migrate()
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(feeds: int, items: int) -> dict[str, Any]:
    from samverka.actors.models import FocusArea
    from samverka.scanning import services
    from samverka.scanning.models import FeedItem, FeedSource, TagRule

    for slug, keywords in [
        ("skog", "skog, virke"),
        ("vall", "vallodling, vall"),
        ("energi", "energi"),
    ]:
        area, _ = FocusArea.objects.get_or_create(
            slug=slug, defaults={"name_sv": slug, "name_en": slug}
        )
        TagRule.objects.get_or_create(focus_area=area, defaults={"keywords": keywords})
    server = Server(feeds, items)
    try:
        sources = [
            FeedSource.objects.create(url=f"{server.base}/{n}.xml", name=f"Flöde {n}")
            for n in range(feeds)
        ]
        quarter = max(1, feeds // 4)
        rounds = []
        tracemalloc.start()
        for label in (
            "first poll (all new)",
            "second poll (304)",
            "third poll (changed, all seen)",
        ):
            if label.startswith("third"):
                server.version += 1
            pending = list(FeedSource.objects.order_by("pk"))
            tracemalloc.reset_peak()
            start = time.perf_counter()
            first = services.poll_sources(pending[:quarter])
            peak_quarter = tracemalloc.get_traced_memory()[1]
            rest = services.poll_sources(pending[quarter:])
            elapsed = time.perf_counter() - start
            peak_all = tracemalloc.get_traced_memory()[1]
            results = first + rest
            rounds.append(
                {
                    "label": label,
                    "seconds": elapsed,
                    "new": sum(r.new for r in results),
                    "seen": sum(r.seen for r in results),
                    "not_modified": sum(r.status == "not_modified" for r in results),
                    "errors": sum(r.status == "error" for r in results),
                    "peak_quarter_mb": peak_quarter / 2**20,
                    "peak_all_mb": peak_all / 2**20,
                    "rss_mb": _rss_mb(),
                }
            )
        tracemalloc.stop()
        assert FeedItem.objects.count() == feeds * items, "every item stored exactly once"
        del sources
    finally:
        server.close()
    return {"rounds": rounds, "requests": server.requests}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as var_dir:
        _setup(var_dir)
        result = run(args.feeds, args.items)
    size_kb = len(feed_document(0, args.items, 1)) / 1024
    rows = []
    bounded = True
    for r in result["rounds"]:
        ok = r["peak_all_mb"] <= 1.5 * r["peak_quarter_mb"] + 1
        bounded &= ok
        rows.append(
            f"| {r['label']} | {r['seconds']:.1f} s | {r['new']:,} | {r['seen']:,} | "
            f"{r['not_modified']} | {r['errors']} | {r['peak_quarter_mb']:.1f} MB | "
            f"{r['peak_all_mb']:.1f} MB {'✓' if ok else '✗'} | {r['rss_mb']:.0f} MB |"
        )
    lines = [
        *header(
            "Feed polling",
            f"SQLite. `bench/feeds_poll.py --feeds {args.feeds} --items {args.items}`: {args.feeds} RSS feeds of {args.items} items ({size_kb:.0f} kB "
            f"each) from a local threading HTTP server, polled one after another through "
            f"`core.fetch` (conditional GET) and stored with tagging and deadline parsing. "
            f"Target: bounded memory, i.e. the tracemalloc peak over all feeds at most 1.5 × the "
            f"peak over the first quarter.",
        )[:-1],
        "",
        "| round | time | new | seen | 304 | errors | peak, first quarter | peak, all feeds | "
        "peak RSS |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"{result['requests']} HTTP requests. Memory bounded: {'yes' if bounded else 'NO'}. "
        "Times include tracemalloc's overhead; `core.fetch` builds a new httpx client (and TLS "
        "context) per request, about 0.1–0.3 s each on this machine.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        append_results(text)
    if not bounded:
        sys.exit(1)


if __name__ == "__main__":
    main()
