"""The configuration: the shipped file loads, and every broken one gets its located line."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from monitor.config.models import load_config, parse_config
from monitor.config.paths import database_url
from monitor.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
CASES = yaml.safe_load((ROOT / "tests/data/bad_configs.yaml").read_text(encoding="utf-8"))


def newsmon(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_shipped_config_checks_ok() -> None:
    result = newsmon("check")
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip()
    assert "\n" not in line
    assert re.search(r"\d+ sources .*\d+ topics.*\d+ channels", line)


def test_shipped_config_content() -> None:
    config = load_config(ROOT / "sources.yaml", env={})
    ids = {s.id for s in config.sources}
    assert {"cantho-tin-tuc", "vnexpress-thoi-su", "baochinhphu"} <= ids
    assert config.topic("regional-cooperation") is not None
    email = config.channels[0]
    assert not email.enabled  # harmless until its variables are set
    assert config.settings.tz.key == "Asia/Ho_Chi_Minh"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_broken_config_is_located(case: dict, tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(case["config"], encoding="utf-8")
    result = newsmon("--config", "bad.yaml", "check", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines, "no error printed"
    assert "Traceback" not in result.stderr
    first = lines[0].removeprefix("error: ")
    assert re.match(case["error"], first), first


def test_all_errors_reported_at_once(tmp_path: Path) -> None:
    text = "settings:\n  interval: soon\n  timeout: never\n"
    with pytest.raises(ConfigError) as info:
        parse_config(text, "x.yaml")
    lines = [str(e) for e in info.value.all]
    assert lines == [
        "x.yaml:2:13: settings.interval: 'soon' is not a duration (try 10m)",
        "x.yaml:3:12: settings.timeout: 'never' is not a duration (try 10m)",
    ]


def test_env_substitution_and_defaults() -> None:
    text = (
        "settings:\n  user_agent: 'bot ${NAME}'\n  interval: ${EVERY:-5m}\n"
        "  respect_robots: ${ROBOTS:-true}\n"
    )
    config = parse_config(text, "x.yaml", env={"NAME": "Cần Thơ"})
    assert config.settings.user_agent == "bot Cần Thơ"
    assert config.settings.interval == timedelta(minutes=5)
    assert config.settings.respect_robots is True


def test_units_and_shorthands() -> None:
    text = """
settings: {max_bytes: 512KB, per_host_delay: 1h30m, recheck: 1w}
topics:
  - id: t
    terms: [liên kết vùng, hợp tác]
sources:
  - id: s
    url: https://cantho.gov.vn/
    schedule: "*/10 6-22 * * *"
"""
    config = parse_config(text, "x.yaml")
    assert config.settings.max_bytes == 512_000
    assert config.settings.per_host_delay == timedelta(hours=1, minutes=30)
    assert config.settings.recheck == timedelta(weeks=1)
    assert config.topics[0].groups == {"terms": {"liên kết vùng": 1.0, "hợp tác": 1.0}}
    assert config.topics[0].name == "t"
    assert config.sources[0].name == "s"


def test_relative_paths_resolve_against_config_folder(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf/certs").mkdir()
    (tmp_path / "conf/certs/chain.pem").write_text("x")
    (tmp_path / "conf/s.yaml").write_text(
        "settings: {database: 'sqlite:///db/n.db'}\n"
        "sources:\n  - id: a\n    url: https://a.example/\n    ca_bundle: certs/chain.pem\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSMON_DB", raising=False)
    config = load_config("conf/s.yaml")
    assert config.sources[0].ca_bundle == (tmp_path / "conf/certs/chain.pem").resolve()
    assert database_url(None, config) == f"sqlite:///{(tmp_path / 'conf/db/n.db').resolve()}"
    assert database_url("sqlite:///x.db", config) == f"sqlite:///{tmp_path / 'x.db'}"
    monkeypatch.setenv("NEWSMON_DB", "postgresql://u@h/db")
    assert database_url(None, config) == "postgresql://u@h/db"


def test_config_from_env_variable(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text("sources: []\n")
    import os

    env = {**os.environ, "NEWSMON_CONFIG": str(tmp_path / "mine.yaml")}
    result = newsmon("check", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "0 sources" in result.stdout
