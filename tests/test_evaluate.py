"""The shipped topic against the team's labelled set, and the batch / eval helpers."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from monitor.config.models import load_config
from monitor.errors import ConfigError
from monitor.match.evaluate import (
    evaluate,
    match_jsonl,
    naive_evaluate,
    read_jsonl,
    scores,
    topics_from_yaml,
)
from monitor.match.matcher import compile_topics

ROOT = Path(__file__).resolve().parent.parent
TOPIC_DATA = Path(__file__).parent / "data" / "topic"
TOPIC = "regional-cooperation"


@pytest.fixture(scope="module")
def test_split() -> list[dict]:
    return read_jsonl(TOPIC_DATA / "test.jsonl")


@pytest.fixture(scope="module")
def shipped():
    return load_config(ROOT / "sources.yaml")


def test_labelled_set_is_big_varied_and_hard() -> None:
    train = read_jsonl(TOPIC_DATA / "train.jsonl")
    test = read_jsonl(TOPIC_DATA / "test.jsonl")
    rows = train + test
    assert len(rows) >= 1500
    assert len({r["id"] for r in rows}) == len(rows)
    assert not {r["id"] for r in train} & {r["id"] for r in test}
    share = sum(r["label"] for r in rows) / len(rows)
    assert 0.3 <= share <= 0.45
    classes = {r["cls"] for r in rows}
    hard = {"neg-coop", "neg-foreign", "neg-company", "neg-intra", "neg-mention", "neg-merger",
            "neg-exchange", "neg-sense", "neg-aid", "neg-crime", "neg-realestate", "neg-oneside"}  # fmt: skip
    assert hard <= classes
    for cls in hard:
        assert sum(r["cls"] == cls for r in rows) >= 50, cls
    assert {r["id"][:2] for r in rows} == {"tn", "tc", "ts", "tx"}  # North, Centre, South, extra
    assert sum(r["shape"] == "article" for r in rows) >= 300
    nfd = sum(
        unicodedata.is_normalized("NFD", r["title"]) and not r["title"].isascii() for r in rows
    )
    assert nfd >= 100  # decomposed text, as some real pages are


def test_shipped_topic_reaches_f1_on_the_held_out_split(shipped, test_split) -> None:
    matcher = compile_topics(shipped.topics)
    result = evaluate(matcher, test_split, TOPIC)
    assert result["f1"] >= 0.95, result
    assert result["tp"] + result["fp"] + result["fn"] + result["tn"] == len(test_split)
    assert len(result["wrong"]) == result["fp"] + result["fn"]


def test_shipped_topic_beats_the_naive_baseline(shipped, test_split) -> None:
    ours = evaluate(compile_topics(shipped.topics), test_split, TOPIC)
    (plain,) = [t for t in topics_from_yaml(ROOT / "bench" / "data" / "topic-before.yaml")]
    naive = naive_evaluate(plain, test_split)
    assert ours["f1"] > naive["f1"] + 0.1, (ours, naive)


def test_scores_shape() -> None:
    result = scores(
        [("a", True, True), ("b", True, False), ("c", False, True), ("d", False, False)]
    )
    assert result == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "tp": 1, "fp": 1, "fn": 1,
                      "tn": 1, "wrong": ["b", "c"]}  # fmt: skip


def test_match_jsonl_gives_one_line_per_record(shipped) -> None:
    matcher = compile_topics(shipped.topics)
    lines = list(
        match_jsonl(
            matcher,
            [
                {"id": 1, "title": "Cần Thơ và Hậu Giang ký kết thỏa thuận hợp tác",
                 "text": "Hai địa phương hợp tác về du lịch."},
                {"id": 2, "title": "Hợp tác xã ở Cần Thơ", "text": "Các hợp tác xã mở rộng."},
            ],
            [TOPIC],
        )
    )  # fmt: skip
    assert [line["id"] for line in lines] == [1, 2]
    assert [t["id"] for t in lines[0]["topics"]] == [TOPIC]
    assert lines[0]["topics"][0]["matched"] is True
    assert {"term": "thỏa thuận hợp tác", "count": 1} in lines[0]["topics"][0]["terms"]
    assert lines[0]["topics"][0]["places"] == ["Cần Thơ", "Hậu Giang"]
    assert lines[0]["topics"][0]["probability"] >= lines[0]["topics"][0]["threshold"]
    assert lines[1]["topics"] == []
    json.dumps(lines, ensure_ascii=False)  # serialisable as the SPEC's JSON lines


def test_bad_jsonl_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": 1, "text": "x"}\n{oops\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"in\.jsonl:2: not JSON"):
        read_jsonl(path)


def test_missing_label_is_an_error(shipped) -> None:
    matcher = compile_topics(shipped.topics)
    with pytest.raises(ConfigError, match="label"):
        evaluate(matcher, [{"id": "x", "text": "y"}], TOPIC)
