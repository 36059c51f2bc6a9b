"""`newsmon serve` as a process: `--port 0`, the address printed once it answers, SIGTERM stops
it cleanly, the token never in its output; and one end-to-end run in a real headless browser
(Debian's chromium, skipped with the reason when it is not installed)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from tests.web_seed import SEED, TOKEN, seed

pytest_plugins = ["tests.conftest_db"]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROME_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--hide-scrollbars",
]


class Served:
    def __init__(self, proc: subprocess.Popen[str], url: str) -> None:
        self.proc, self.url = proc, url


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Served, dict[str, int]]]:
    from storage.db import make_engine, upgrade

    db_url = f"sqlite:///{tmp_path / 'web.db'}"
    engine: Engine = make_engine(db_url)
    upgrade(engine)
    config, ids = seed(engine, tmp_path)
    engine.dispose()
    cmd = [sys.executable, "-m", "monitor", "-v", "--config", str(config), "--db", db_url]
    proc = subprocess.Popen(
        [*cmd, "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    found = re.fullmatch(r"newsmon web: (http://127\.0\.0\.1:(\d+)/)\n", line)
    assert found, (line, proc.stderr.read() if proc.poll() is not None else "")
    try:
        yield Served(proc, found.group(1)), ids
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_serve_answers_and_stops_on_sigterm(served: tuple[Served, dict[str, int]]) -> None:
    s, ids = served
    assert httpx.get(s.url + "healthz", timeout=10).text == "ok"
    page = httpx.get(s.url, timeout=10)
    assert page.status_code == 200 and f'href="/articles/{ids["coop"]}"' in page.text
    bad = httpx.post(s.url + f"articles/{ids['coop']}/labels", data={"topic": "x"}, timeout=10)
    assert bad.status_code == 403
    s.proc.send_signal(signal.SIGTERM)
    out, err = s.proc.communicate(timeout=20)
    assert s.proc.returncode == 0, err
    assert TOKEN not in out + err


def test_serve_port_taken_is_one_line(
    served: tuple[Served, dict[str, int]], tmp_path: Path
) -> None:
    s, _ = served
    port = s.url.rsplit(":", 1)[1].strip("/")
    config = next(tmp_path.glob("sources.yaml"))
    db_url = f"sqlite:///{tmp_path / 'web.db'}"
    run = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), "--db", db_url, "serve", "--port", port],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 1
    assert (
        f"cannot listen on 127.0.0.1:{port}: Address already in use" in run.stderr
        and "Traceback" not in run.stderr
    )


def chromium(tmp_path: Path, *args: str) -> str:
    assert CHROMIUM is not None
    profile = tmp_path / "chromium-profile"
    run = subprocess.run(
        [CHROMIUM, *CHROME_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_browser_loads_the_list_follows_an_article(
    served: tuple[Served, dict[str, int]], tmp_path: Path
) -> None:
    s, ids = served
    dom = chromium(tmp_path, "--dump-dom", s.url)
    assert "<script" not in dom.lower()
    assert SEED[0][3] in dom  # Vietnamese as written
    assert "&lt;script&gt;" in dom  # the hostile title is text in the rendered page
    link = re.search(r'<li class="story">\s*<a href="(/articles/\d+)"', dom)
    assert link and link.group(1) == f"/articles/{ids['coop']}"  # the newest first
    article = chromium(tmp_path, "--dump-dom", s.url.rstrip("/") + link.group(1))
    assert "<mark>liên kết vùng</mark>" in article
    assert 'id="fresh"' in article and "Các lần sửa (1)" in article
    shot = tmp_path / "article.png"
    chromium(
        tmp_path,
        f"--screenshot={shot}",
        "--window-size=1100,900",
        s.url.rstrip("/") + link.group(1),
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000  # something was drawn
