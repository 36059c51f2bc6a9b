"""Who acts, and where: the evidence behind a topic's ``actors`` condition, and the verdict."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import pytest

from monitor.match.actors import evidence, split_sentences
from monitor.match.decide import decide
from monitor.match.normalize import clean


@dataclass
class Actors:
    together: int = 2
    foreign: str = "disqualify"
    parts: list[str] = field(default_factory=lambda: ["title", "lead", "body"])


def gate(title: str, body: str = "", **kw: object) -> bool:
    return decide(evidence(clean(title), clean(body)), Actors(**kw), None).matched  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "title",
    [
        "Khánh Hòa và Đắk Lắk kết nối phát triển tour du lịch 'núi - biển'",
        "Đồng Nai đề nghị Lâm Đồng phối hợp cung cấp thông tin xả lũ",
        "Tây Ninh nhờ Đồng Nai hỗ trợ đá xây dựng",
        "Hà Nội họp cùng 5 tỉnh, thành bàn về quy hoạch thủ đô",
        "TP. HCM và 13 tỉnh ĐBSCL sơ kết thỏa thuận hợp tác",
        "Lạng Sơn, Cao Bằng ký quy chế phối hợp quản lý cửa khẩu",
        "Sóc Trăng (cũ) và Bạc Liêu (cũ) thống nhất vận hành cống chung",
    ],
)
def test_localities_acting_together_pass_the_rules(title: str) -> None:
    assert gate(title)


@pytest.mark.parametrize(
    "title",
    [
        "Cần Thơ ký kết hợp tác với tỉnh Gangwon (Hàn Quốc)",  # foreign partner only
        "Mưa lớn ở Cần Thơ",  # one place, no predicate
        "Giá lúa tăng ở Cần Thơ, An Giang",  # places, no predicate
        "Hợp tác xã ở Cần Thơ mở rộng",  # one place
        "Tư tưởng Hồ Chí Minh về đoàn kết",  # not a place
    ],
)
def test_texts_without_two_actors_do_not(title: str) -> None:
    assert not gate(title)


def test_a_foreign_partner_disqualifies_even_with_hai_dia_phuong() -> None:
    title = "Đà Nẵng và tỉnh Champasak (Lào) ký kết hợp tác"
    body = "Hai địa phương thống nhất hợp tác về du lịch, thương mại."
    assert not gate(title, body)
    assert gate(title, body, foreign="allow")
    # Two Vietnamese localities acting together still count when a foreign partner is there.
    assert gate("Đà Nẵng và Quảng Nam cùng JICA ký kết hợp tác phát triển du lịch")


def test_places_in_front_of_companies_clubs_and_venues_do_not_act() -> None:
    ev = evidence(clean("CLB Hà Nội và CLB Thanh Hóa ký kết hợp tác đào tạo cầu thủ trẻ"), "")
    assert not ev.together and not ev.localities
    ev = evidence(clean("Cần Thơ hợp tác tổ chức hội thảo tại Hà Nội và tại TP.HCM"), "")
    assert ev.best is not None and set(ev.best.venues) == {"ha-noi", "ho-chi-minh"}
    assert ev.best.localities == ("can-tho",) and not ev.together


def test_a_region_or_a_collective_counts_as_two() -> None:
    assert gate("Hội nghị Hội đồng điều phối vùng Đồng bằng sông Cửu Long")
    assert gate("TP.HCM đề nghị các tỉnh phối hợp xây dựng chuỗi cung ứng an toàn")
    assert not gate("TP.HCM và Đồng Nai họp bàn", together=3)
    assert gate("TP.HCM, Đồng Nai và Bình Dương họp bàn kết nối giao thông", together=3)


def test_parts_limit_where_the_deciding_sentence_may_stand() -> None:
    title = "Một ngày ở miệt vườn"
    body = "Chuyện đời thường.\n\nCần Thơ và Vĩnh Long ký kết chương trình hợp tác du lịch."
    assert gate(title, body)
    assert not gate(title, body, parts=["title", "lead"])
    ev = evidence(clean(title), clean(body))
    why = decide(ev, Actors(), None)  # type: ignore[arg-type]
    assert why.part == "body" and why.sentence.startswith("Cần Thơ và Vĩnh Long")
    assert why.places == ("Cần Thơ", "Vĩnh Long")
    assert "ký kết" in why.predicates


def test_nfd_and_old_tone_marks_give_the_same_evidence() -> None:
    title = "Thanh Hóa và Khánh Hòa ký kết hợp tác phát triển du lịch"
    old = title.replace("Hóa", "Hoá").replace("Hòa", "Hoà")
    for variant in (unicodedata.normalize("NFD", title), old):
        ev = evidence(clean(variant), "")
        assert ev.together and ev.localities == {"thanh-hoa", "khanh-hoa"}


def test_sentences_do_not_end_after_abbreviations() -> None:
    text = "UBND TP. HCM và Q. 1 họp. Sau đó TS. Nguyễn nói. 10 tỉnh ký.\n\nĐoạn hai."
    parts = [text[a:b] for a, b in split_sentences(text)]
    assert parts == ["UBND TP. HCM và Q. 1 họp.", "Sau đó TS. Nguyễn nói.", "10 tỉnh ký.",
                     "Đoạn hai."]  # fmt: skip
