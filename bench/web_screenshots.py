"""The web view's screenshots in docs/ (web-index.png, web-article.png): `newsmon serve` on a
fresh SQLite database seeded with a few invented Vietnamese articles (tests/web_seed.py),
photographed by Debian's headless chromium. Run: .venv/bin/python bench/web_screenshots.py"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage.db import make_engine, upgrade  # noqa: E402
from tests.web_seed import seed  # noqa: E402

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--hide-scrollbars",
]  # fmt: skip


def main() -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db_url = f"sqlite:///{folder / 'web.db'}"
        engine = make_engine(db_url)
        upgrade(engine)
        config, ids = seed(engine, folder)
        engine.dispose()
        cmd = [sys.executable, "-m", "monitor", "--config", str(config), "--db", db_url]
        proc = subprocess.Popen([*cmd, "serve", "--port", "0"], stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout is not None
            found = re.search(r"(http://\S+)", proc.stdout.readline())
            assert found, "serve did not start"
            url = found.group(1)
            for name, path, size in (
                ("web-index.png", "", "1100,860"),
                ("web-article.png", f"articles/{ids['coop']}", "1100,1500"),
            ):
                subprocess.run(
                    [chromium, *FLAGS, f"--user-data-dir={folder / 'profile'}",
                     f"--window-size={size}", f"--screenshot={ROOT / 'docs' / name}", url + path],
                    check=True, capture_output=True, timeout=90,
                )  # fmt: skip
                print(f"wrote docs/{name}")
        finally:
            proc.terminate()
            proc.wait(20)


if __name__ == "__main__":
    main()
