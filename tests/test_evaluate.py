"""The shipped topic against the team's labelled set, and the batch / eval helpers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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
# Where the shipped topic lives: switch to ROOT / "sources.yaml" once it holds the topic.
TOPICS_FILE = ROOT / "sources.yaml"
EVAL_SET = Path(__file__).parent / "data" / "regional_eval.jsonl"
TOPIC = "regional-cooperation"


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return read_jsonl(EVAL_SET)


def test_eval_set_is_big_balanced_and_hard(records: list[dict]) -> None:
    assert len(records) >= 240
    assert len({r["id"] for r in records}) == len(records)
    share = sum(r["label"] for r in records) / len(records)
    assert 0.35 <= share <= 0.5
    traps = {r["id"].split("-")[1] for r in records if not r["label"]} - {"easy"}
    assert {"htx", "htqt", "website", "lksx", "hcm", "saigon", "mientay", "vung", "foreign",
            "intra", "mention"} <= traps  # fmt: skip
    assert sum(1 for r in records if not r["label"] and "-easy-" not in r["id"]) >= 80


def test_shipped_topic_reaches_f1(records: list[dict]) -> None:
    matcher = compile_topics(topics_from_yaml(TOPICS_FILE))
    result = evaluate(matcher, records, TOPIC)
    assert result["f1"] >= 0.95, result
    assert result["tp"] + result["fp"] + result["fn"] + result["tn"] == len(records)
    assert len(result["wrong"]) == result["fp"] + result["fn"]


def test_shipped_topic_beats_the_naive_baseline(records: list[dict]) -> None:
    (topic,) = [t for t in topics_from_yaml(TOPICS_FILE) if t.id == TOPIC]
    ours = evaluate(compile_topics([topic]), records, TOPIC)
    naive = naive_evaluate(topic, records)
    assert ours["f1"] > naive["f1"] + 0.05


def test_scores_shape() -> None:
    result = scores(
        [("a", True, True), ("b", True, False), ("c", False, True), ("d", False, False)]
    )
    assert result == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "tp": 1, "fp": 1, "fn": 1,
                      "tn": 1, "wrong": ["b", "c"]}  # fmt: skip


def test_match_jsonl_gives_one_line_per_record() -> None:
    matcher = compile_topics(topics_from_yaml(TOPICS_FILE))
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
    assert lines[1]["topics"] == []
    json.dumps(lines, ensure_ascii=False)  # serialisable as the SPEC's JSON lines


def test_bad_jsonl_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": 1, "text": "x"}\n{oops\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"in\.jsonl:2: not JSON"):
        read_jsonl(path)


def test_missing_label_is_an_error() -> None:
    matcher = compile_topics(topics_from_yaml(TOPICS_FILE))
    with pytest.raises(ConfigError, match="label"):
        evaluate(matcher, [{"id": "x", "text": "y"}], TOPIC)
