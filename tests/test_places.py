"""monitor.match.places: provinces old and new, regions, foreign partners, false friends."""

from __future__ import annotations

import unicodedata

import pytest
import yaml

from monitor.match import places as P
from monitor.match.normalize import clean
from monitor.match.places import (
    all_places,
    current_unit,
    distinct_localities,
    find_places,
    place,
    regions_of,
)

DATA = yaml.safe_load(P.DATA_FILE.read_text(encoding="utf-8"))


def ids(text: str) -> list[str]:
    return [m.place.id for m in find_places(clean(text))]


def one(text: str) -> P.PlaceMention:
    found = find_places(clean(text))
    assert len(found) == 1, found
    return found[0]


def _province_aliases() -> list[tuple[str, str]]:
    return [(p["id"], a.lstrip("~^")) for p in DATA["provinces"] for a in p["aliases"]]


def _region_aliases() -> list[tuple[str, str]]:
    return [(r["id"], a) for r in DATA["regions"] for a in r["aliases"]]


def _foreign_aliases() -> list[tuple[str, str]]:
    out = [(k, a.lstrip("~^")) for k, v in DATA["countries"].items() for a in v]
    for units in DATA["subnational"].values():
        out += [(k, a.lstrip("~^")) for k, v in units.items() for a in v]
    out += [(k, a) for k, v in DATA["agencies"].items() for a in v]
    return out


# --- the data -----------------------------------------------------------------------------


def test_counts_old_and_new_units() -> None:
    provinces = [p for p in all_places() if p.kind == "province"]
    assert len(provinces) == 63  # every unit before 1 July 2025
    new_units = {current_unit(p.id) for p in provinces}
    assert len(new_units) == 34  # Nghị quyết 202/2025/QH15
    assert {p.status for p in provinces} == {"kept", "merged", "enlarged"}
    assert sum(p.status == "kept" for p in provinces) == 11
    assert sum(p.status == "enlarged" for p in provinces) == 23
    assert sum(p.status == "merged" for p in provinces) == 29


MERGERS = {
    "tuyen-quang": {"ha-giang"}, "lao-cai": {"yen-bai"}, "thai-nguyen": {"bac-kan"},
    "phu-tho": {"vinh-phuc", "hoa-binh"}, "bac-ninh": {"bac-giang"}, "hung-yen": {"thai-binh"},
    "hai-phong": {"hai-duong"}, "ninh-binh": {"ha-nam", "nam-dinh"}, "quang-tri": {"quang-binh"},
    "da-nang": {"quang-nam"}, "quang-ngai": {"kon-tum"}, "gia-lai": {"binh-dinh"},
    "khanh-hoa": {"ninh-thuan"}, "lam-dong": {"dak-nong", "binh-thuan"}, "dak-lak": {"phu-yen"},
    "ho-chi-minh": {"binh-duong", "ba-ria-vung-tau"}, "dong-nai": {"binh-phuoc"},
    "tay-ninh": {"long-an"}, "can-tho": {"soc-trang", "hau-giang"},
    "vinh-long": {"ben-tre", "tra-vinh"}, "dong-thap": {"tien-giang"}, "ca-mau": {"bac-lieu"},
    "an-giang": {"kien-giang"},
}  # fmt: skip
KEPT = {"ha-noi", "hue", "lai-chau", "dien-bien", "son-la", "lang-son", "quang-ninh",
        "thanh-hoa", "nghe-an", "ha-tinh", "cao-bang"}  # fmt: skip


@pytest.mark.parametrize("new_id", sorted(MERGERS))
def test_mergers(new_id: str) -> None:
    new = place(new_id)
    assert new.status == "enlarged" and new.merged_into is None
    assert new.members == frozenset(MERGERS[new_id])
    for old in MERGERS[new_id]:
        assert place(old).status == "merged"
        assert place(old).merged_into == new_id
        assert current_unit(old) == new_id
    assert current_unit(new_id) == new_id


def test_kept() -> None:
    for pid in KEPT:
        p = place(pid)
        assert (p.status, p.merged_into, p.members) == ("kept", None, frozenset())


def test_unknown_id() -> None:
    with pytest.raises(KeyError):
        place("atlantis")
    assert current_unit("nhat-ban") == "nhat-ban"
    assert current_unit("dbscl") == "dbscl"


def test_regions_and_members() -> None:
    dbscl = place("dbscl")
    assert dbscl.kind == "region" and len(dbscl.members) == 13
    assert {"can-tho", "soc-trang", "long-an"} <= dbscl.members
    assert "dbscl" in regions_of("bac-lieu")
    assert "tay-nguyen" in regions_of("dak-nong")
    assert "ha-noi" in place("vung-thu-do").members
    assert {"hai-phong", "ninh-binh", "vinh-phuc"} <= place("vung-thu-do").members
    for r in all_places():
        if r.kind == "region":
            for member in r.members:
                assert place(member).kind == "province"


def test_ids_are_slugs_and_unique() -> None:
    seen = [p.id for p in all_places()]
    assert len(seen) == len(set(seen))
    for pid in seen:
        assert pid.isascii() and pid == pid.lower() and " " not in pid


# --- every form of every place ------------------------------------------------------------


@pytest.mark.parametrize(("pid", "alias"), _province_aliases())
def test_province_alias(pid: str, alias: str) -> None:
    text = f"Lãnh đạo {alias} cho biết"
    if alias == "Thủ đô":
        text = "Người dân Thủ đô cho biết"
    m = one(text)
    assert m.place.id == pid
    assert text[m.start : m.end] == m.surface
    assert m.place.kind == "province"


@pytest.mark.parametrize(("pid", "alias"), _region_aliases())
def test_region_alias(pid: str, alias: str) -> None:
    text = f"Các tỉnh {alias} cùng nhau"
    m = one(text)
    assert (m.place.id, m.place.kind) == (pid, "region")


@pytest.mark.parametrize(("pid", "alias"), _foreign_aliases())
def test_foreign_alias(pid: str, alias: str) -> None:
    text = f"đoàn công tác thăm {alias} vào tuần tới"
    m = one(text)
    assert (m.place.id, m.place.kind) == (pid, "foreign")


@pytest.mark.parametrize(
    ("text", "pid"),
    [
        ("TP.HCM", "ho-chi-minh"), ("TP. HCM", "ho-chi-minh"), ("TPHCM", "ho-chi-minh"),
        ("Tp.HCM", "ho-chi-minh"), ("TP HCM", "ho-chi-minh"), ("TP Hồ Chí Minh", "ho-chi-minh"),
        ("Thành phố Hồ Chí Minh", "ho-chi-minh"), ("HCMC", "ho-chi-minh"),
        ("Sài Gòn", "ho-chi-minh"), ("TP. Hồ Chí Minh", "ho-chi-minh"),
        ("Thừa Thiên Huế", "hue"), ("Thừa Thiên - Huế", "hue"), ("Huế", "hue"), ("TP Huế", "hue"),
        ("Bà Rịa - Vũng Tàu", "ba-ria-vung-tau"), ("Bà Rịa–Vũng Tàu", "ba-ria-vung-tau"),
        ("Bà Rịa — Vũng Tàu", "ba-ria-vung-tau"), ("BR-VT", "ba-ria-vung-tau"),
        ("Vũng Tàu", "ba-ria-vung-tau"), ("Đắk Lắk", "dak-lak"), ("Đăk Lăk", "dak-lak"),
        ("Daklak", "dak-lak"), ("Đắk Nông", "dak-nong"), ("Đăk Nông", "dak-nong"),
        ("Kon Tum", "kon-tum"), ("Kontum", "kon-tum"), ("Bắc Kạn", "bac-kan"),
        ("Bắc Cạn", "bac-kan"), ("Thanh Hóa", "thanh-hoa"), ("Thanh Hoá", "thanh-hoa"),
        ("Khánh Hoà", "khanh-hoa"), ("Hoà Bình", "hoa-binh"), ("THANH HOÁ", "thanh-hoa"),
        ("HÀ NỘI", "ha-noi"), ("Thủ đô Hà Nội", "ha-noi"), ("Hoa Kì", "hoa-ky"),
        ("Thụy Sỹ", "thuy-si"), ("Thuỵ Sĩ", "thuy-si"),
    ],
)  # fmt: skip
def test_common_forms(text: str, pid: str) -> None:
    assert ids(f"Tin từ {text} hôm nay") == [pid]


def test_nfd_legacy_d_nbsp_odd_spaces() -> None:
    raw = unicodedata.normalize("NFD", "Hợp tác giữa Đồng Tháp và Khánh Hòa")
    assert ids(raw) == ["dong-thap", "khanh-hoa"]
    assert ids("\u00d0à N\u1eb5ng và TP.\u00a0 HCM") == ["da-nang", "ho-chi-minh"]
    assert ids("Bà Rịa\u00a0-\u00a0Vũng Tàu") == ["ba-ria-vung-tau"]


def test_mentions_are_plain_frozen_dataclasses() -> None:
    import dataclasses

    m = find_places("Hợp tác với Cần Thơ")[0]
    assert m == P.PlaceMention(place("can-tho"), 12, 19, "Cần Thơ", None, False)
    assert hash(m) == hash(P.PlaceMention(place("can-tho"), 12, 19, "Cần Thơ", None, False))
    assert dataclasses.replace(m, org="gov").org == "gov"
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.start = 0  # type: ignore[misc]


def test_fallback_scanner_finds_the_same() -> None:
    """Without ahocorasick_rs the pyahocorasick scanner gives the same matches."""
    idx = P._index()
    spelled = dict(zip(idx.scanner.keys, idx.scanner.values, strict=True))
    fallback = P._Scanner(spelled, use_rs=False)
    text = clean(
        "UBND TP.HCM, Sở Y tế tỉnh Sóc Trăng (cũ), Thái Bình Dương, Lào Cai và Lào, "
        "tỉnh Gangwon (Hàn Quốc), Bà Rịa - Vũng Tàu, miền Tây Nghệ An, Thủ đô Viêng Chăn"
    )
    got = [(fallback.values[i], s, e) for i, s, e in fallback.find(text)]
    want = [(idx.scanner.values[i], s, e) for i, s, e in idx.scanner.find(text)]
    assert got == want


def test_offsets_map_back() -> None:
    text = clean("“Cần Thơ” và Sóc Trăng (cũ), TP. HCM; tỉnh Gangwon (Hàn Quốc).")
    for m in find_places(text):
        assert text[m.start : m.end] == m.surface
    assert [m.surface for m in find_places(text)] == [
        "Cần Thơ", "Sóc Trăng", "TP. HCM", "Gangwon", "Hàn Quốc",
    ]  # fmt: skip
    starts = [m.start for m in find_places(text)]
    assert starts == sorted(starts)


# --- old marker, distinct localities --------------------------------------------------------


def test_old_marker_and_distinct() -> None:
    found = find_places(clean("Cần Thơ và Sóc Trăng (cũ), tỉnh Hậu Giang cũ, và Hậu Giang"))
    assert [(m.place.id, m.old_marker) for m in found] == [
        ("can-tho", False), ("soc-trang", True), ("hau-giang", True), ("hau-giang", False),
    ]  # fmt: skip
    assert distinct_localities(found) == {"can-tho", "soc-trang", "hau-giang"}
    assert distinct_localities(find_places("ĐBSCL và Nhật Bản")) == set()


# --- false friends ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Học tập và làm theo tư tưởng Hồ Chí Minh",
        "Chủ tịch Hồ Chí Minh kính yêu",
        "Lời dạy của Bác Hồ",
        "Thông xe đường Hồ Chí Minh đoạn mới",
        "Đoàn TNCS Hồ Chí Minh phát động",
        "Học viện Chính trị quốc gia Hồ Chí Minh khai giảng",
        "Viếng Lăng Chủ tịch Hồ Chí Minh",
        "Báo Sài Gòn Giải Phóng đưa tin",
        "Saigon Co.op giảm giá",
        "Tân Cảng Sài Gòn tăng sản lượng",
        "Bia Sài Gòn và Sabeco",
        "Tour của Sài Gòn Tourist",
        "Kẹt xe trên đường Điện Biên Phủ",
        "Kỷ niệm chiến thắng Điện Biên Phủ",
        "Quán ăn trên phố Huế",
        "Nhà trên đường Hà Nội, quận 2",
        "Đường Cần Thơ ngập",
        "Bão trên Thái Bình Dương",
        "Vì hòa bình thế giới",
        "Sống trong hoà bình",
        "Xã Hòa Bình tổ chức lễ hội",
        "phường Sài Gòn đông vui",
        "Ca sĩ Mỹ Tâm ra mắt album",
        "Anh Đức và Minh Đức đá bóng",
        "Chị Nga bán hàng",
        "Học tiếng Anh và tiếng Nhật",
        "Ý kiến của cử tri",
        "Pháp luật về đất đai",
        "Gió mùa Đông Bắc tràn về",
        "phía Tây Bắc của thành phố",
        "miền Tây Nghệ An có nhiều bản làng",
        "miền Tây xứ Thanh",
        "vùng sâu vùng xa, vùng nuôi tôm, vùng trồng lúa, vùng nguyên liệu",
        "Bến xe Miền Tây đông khách",
        "Cầu Sài Gòn kẹt xe",
        "Ô nhiễm sông Sài Gòn",
        "hẻm 12 Lữ Gia, P.Phú Thọ, Q.11",
        "P. Hòa Bình và H.Long An",
        "Pháo hoa bên sông Hàn",
        "Phó thủ tướng Nguyễn Hòa Bình chỉ đạo",
        "Anh cho biết sẽ về quê. Anh nói thêm",
        "Áo len cổ tròn. Áo dài truyền thống",
    ],
)
def test_false_friends(text: str) -> None:
    found = set(ids(text)) - {"nghe-an", "thanh-hoa"}  # "miền Tây Nghệ An" still names Nghệ An
    assert found == set(), found


def test_local_names_and_brands() -> None:
    assert ids("vùng đảo Hà Nam (Quảng Ninh)") == ["quang-ninh"]
    assert ids("Phú Yên (Đắk Lắk) và Hà Nội") == ["phu-yen", "dak-lak", "ha-noi"]
    assert ids("khách sạn Sheraton Saigon và Nobel Hòa Bình") == []
    assert ids("Trường THPT Nguyễn Thái Bình (TP.HCM)") == ["ho-chi-minh"]
    assert ids("người Sài Gòn") == ["ho-chi-minh"]


def test_lao_cai_is_not_laos() -> None:
    assert ids("cách Lào Cai không xa") == ["lao-cai"]


def test_thu_do() -> None:
    assert ids("Người dân Thủ đô vui mừng") == ["ha-noi"]
    assert ids("thủ đô của nước bạn") == []
    assert ids("Thủ đô Viêng Chăn") == ["vientiane"]
    assert ids("vùng Thủ đô phát triển") == ["vung-thu-do"]


def test_regions_need_a_region_form() -> None:
    assert ids("Đồng bằng sông Cửu Long và đồng bằng sông Cửu Long") == ["dbscl", "dbscl"]
    assert ids("miền Tây mùa nước nổi") == ["dbscl"]
    assert ids("miền tây") == []
    assert ids("Bắc Trung Bộ và duyên hải miền Trung") == ["mien-trung"]
    assert ids("vùng kinh tế trọng điểm phía Nam") == ["kttd-phia-nam"]


def test_sentence_start() -> None:
    assert ids("Anh, Pháp và Đức họp. Ông nói Anh sẽ tham gia") == ["anh", "phap", "duc", "anh"]
    assert ids("Áo đối đầu Ý") == ["y"]  # "Áo" + lower case at a sentence start: a shirt
    assert ids("Trận đấu Áo - Ý") == ["ao", "y"]


def test_country_with_person_after() -> None:
    assert ids("Tổng thống Mỹ Donald Trump") == ["hoa-ky"]
    assert ids("Mỹ áp thuế, Nga phản đối, Đức lo ngại") == ["hoa-ky", "nga", "duc"]


# --- foreign class rule ---------------------------------------------------------------------


def test_foreign_class_rule() -> None:
    found = find_places(clean("tỉnh Chungju-Xyz (Hàn Quốc) và thành phố Ibusuki (Nhật Bản)"))
    assert [(m.place.kind, m.place.country) for m in found] == [
        ("foreign", "han-quoc"), ("foreign", "han-quoc"),
        ("foreign", "nhat-ban"), ("foreign", "nhat-ban"),
    ]  # fmt: skip
    assert found[2].surface == "Ibusuki" and found[2].place.id == "ibusuki"
    # a province name used abroad: Hà Nam (Henan, China)
    found = find_places("tỉnh Hà Nam (Trung Quốc)")
    assert found[0].place.kind == "foreign" and found[0].place.id != "ha-nam"
    assert distinct_localities(found) == set()
    assert [m.place.id for m in find_places("tỉnh Champasak (Lào)")] == ["champasak", "lao"]


def test_agencies() -> None:
    assert ids("JICA và KOICA tài trợ, ADB, World Bank, Ngân hàng Thế giới") == [
        "jica", "koica", "adb", "world-bank", "world-bank",
    ]  # fmt: skip
    assert ids("Đại sứ quán Nhật Bản") == ["dai-su-quan", "nhat-ban"]


# --- organisations --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "org"),
    [
        ("UBND tỉnh Đồng Nai", "gov"), ("HĐND TP Cần Thơ", "gov"), ("Tỉnh ủy Lâm Đồng", "gov"),
        ("Thành ủy TP.HCM", "gov"), ("Sở Y tế tỉnh An Giang", "gov"),
        ("Sở Nông nghiệp và Môi trường Đồng Tháp", "gov"), ("lãnh đạo tỉnh Tây Ninh", "gov"),
        ("Ban Quản lý các khu công nghiệp Long An", "gov"), ("Văn phòng UBND tỉnh Gia Lai", "gov"),
        ("Công an TP.HCM", "police"), ("Công an tỉnh Sóc Trăng", "police"),
        ("Cảnh sát PCCC Bình Dương", "police"), ("Bộ Chỉ huy Quân sự tỉnh Kiên Giang", "military"),
        ("Bộ đội Biên phòng tỉnh Quảng Trị", "military"), ("Công ty CP Cấp nước Huế", "company"),
        ("Tập đoàn Becamex", None), ("Becamex Bình Dương", "company"),
        ("Tổng công ty Tân Cảng Bình Dương", "company"), ("Ngân hàng Nhà nước Cần Thơ", "company"),
        ("Trường Đại học Cần Thơ", "school"), ("Đại học Quốc gia Hà Nội", "school"),
        ("Học viện Nông nghiệp Hà Nội", "school"), ("Bệnh viện Đa khoa Đồng Nai", "hospital"),
        ("Báo Cần Thơ", "media"), ("Đài Phát thanh và Truyền hình Vĩnh Long", "media"),
        ("CLB Hà Nội", "sports"), ("Hà Nội FC", "sports"), ("đội tuyển Thái Lan", "sports"),
        ("Thành Đoàn TP.HCM", "union"), ("Hội Nông dân tỉnh Bến Tre", "union"),
        ("Hiệp hội Du lịch Đà Nẵng", "union"), ("HTX Nông nghiệp Sóc Trăng", "coop"),
        ("hợp tác xã Bến Tre", "coop"), ("tỉnh Cà Mau", None), ("thành phố Đà Nẵng", None),
        ("Đà Nẵng", None), ("Công an triệt phá đường dây ở Đồng Nai", None),
        ("Đoàn công tác tỉnh Lào Cai", "gov"), ("CSGT Đà Nẵng", "police"),
        ("Ủy ban MTTQ Việt Nam TP.HCM", "union"),
        ("TAND TP.HCM", "gov"), ("Công an TP.Đà Nẵng", "police"),
    ],
)  # fmt: skip
def test_org(text: str, org: str | None) -> None:
    found = find_places(clean(text))
    if not found:
        assert org is None
        return
    assert found[-1].org == org, found
