"""The relevance model file: written, read back the same, and every kind of damage one located
line (at `check`), never a traceback; a reload with a broken model keeps the rules running."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.config.models import load_config
from monitor.errors import ConfigError
from monitor.match.matcher import compile_topics
from monitor.match.model import Model, ModelError, load_model, save_model

CONFIG = """\
topics:
  - id: coop
    name: "Hợp tác"
    actors: {together: 2}
    model: models/coop.json
"""


def _model() -> Model:
    return Model(
        topic="coop",
        weights={"r:together": 2.5, "n:ký kết": 1.25, "n:bóng đá": -3.0},
        intercept=-1.5,
        threshold=0.6,
        info={"cv": {"f1": 0.9}},
    )


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    save_model(_model(), path)
    back = load_model(path, "coop")
    assert back.weights == _model().weights
    assert back.intercept == -1.5 and back.threshold == 0.6
    assert back.info["cv"] == {"f1": 0.9}
    feats = {"r:together": 1.0, "n:ký kết": 0.5}
    assert back.probability(feats) == pytest.approx(_model().probability(feats))
    assert back.contributions(feats)[0] == ("r:together", 2.5)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda t: t[: len(t) // 2], "invalid JSON"),
        (lambda t: t.replace('"n:ký kết": 1.25', '"n:ký kết": 9.0'), "checksum mismatch"),
        (lambda t: t.replace('"version": 1', '"version": 7'), "model version 7"),
        (lambda t: t.replace("actors-ngrams-2", "other-2"), "run newsmon learn again"),
        (lambda t: t.replace('"topic": "coop"', '"topic": "sport"'), "not 'coop'"),
        (lambda t: t.replace('"threshold": 0.6', '"threshold": 7'), "corrupt model file"),
        (lambda t: "[]", "not a newsmon model file"),
    ],
)
def test_damage_is_one_line(tmp_path: Path, damage, message: str) -> None:
    path = tmp_path / "m.json"
    save_model(_model(), path)
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ModelError, match=message) as err:
        load_model(path, "coop")
    assert "\n" not in str(err.value) and str(path) in str(err.value)


def _config(tmp_path: Path) -> Path:
    cfg = tmp_path / "sources.yaml"
    cfg.write_text(CONFIG, encoding="utf-8")
    return cfg


def test_check_names_the_missing_model_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _config(tmp_path)
    assert main(["--config", str(cfg), "check"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "sources.yaml:5:12: topics[0].model:" in err and "model file not found" in err


def test_check_names_a_corrupt_model_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _config(tmp_path)
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "coop.json").write_text('{"format": "newsmon-topic-model", ', "utf-8")
    assert main(["--config", str(cfg), "check"]) == 2
    err = capsys.readouterr().err
    assert "topics[0].model" in err and "invalid JSON" in err and "Traceback" not in err
    save_model(_model(), tmp_path / "models" / "coop.json")
    assert main(["--config", str(cfg), "check"]) == 0


def test_a_broken_model_on_reload_leaves_the_topic_on_its_rules(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    seen: list[ConfigError] = []
    config = load_config(cfg, on_model_error=seen.append)
    assert len(seen) == 1 and "model file not found" in str(seen[0])
    (topic,) = config.topics
    assert topic.relevance is None
    result = compile_topics(config.topics).match("Cần Thơ và Hậu Giang ký kết hợp tác", "")[0]
    assert result.matched and result.why is not None and result.why.probability is None


def test_the_daemon_keeps_running_on_the_rules_when_a_reload_breaks_the_model(
    loopback, tmp_path: Path
) -> None:
    from storage.db import make_engine, upgrade
    from tests.test_daemon import Run, Site, polls, source, wait_until

    site = Site(loopback, "/coop")
    site.publish(1)
    (tmp_path / "models").mkdir()
    save_model(_model(), tmp_path / "models" / "coop.json")
    config = tmp_path / "sources.yaml"
    settings = {"per_host_delay": "0s", "timeout": "5s", "respect_robots": False}
    doc = {
        "settings": settings,
        "topics": [{"id": "coop", "actors": {"together": 2}, "model": "models/coop.json"}],
        "sources": [source(site, "a")],
    }
    config.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")  # JSON is YAML
    url = f"sqlite:///{tmp_path / 'newsmon.db'}"
    engine = make_engine(url)
    upgrade(engine)
    run = Run(config, url)
    try:
        wait_until("the first poll", lambda: polls(engine, "a") >= 1, timeout=15)
        (tmp_path / "models" / "coop.json").write_text("garbage", encoding="utf-8")
        run.send(signal.SIGHUP)
        line = run.wait_log(r"reload: .*topics\[0\]\.model: .*runs on its rules.*")
        assert "invalid JSON" in line.group(0)
        run.wait_log(r"reload: configuration applied")
        before = polls(engine, "a")
        wait_until("polls go on", lambda: polls(engine, "a") > before + 1)
        run.send(signal.SIGTERM)
        assert run.wait() == 0
        assert "Traceback" not in run.log
    finally:
        run.kill()
        engine.dispose()
