"""Write tests/data/story_pairs.jsonl: labelled article pairs for grouping copies into stories.

Original texts written for newsmon (no real article is copied). Each template is one kind of
news item (a cooperation agreement signed, an investment conference, a road project, a harvest,
a festival, erosion); an instance fills its slots (localities, dates, people, figures) and picks
one wording per paragraph. Pairs:

- ``same: true``: an instance and a republished copy of it with a realistic edit: an opening
  tag "(Báo X) -", a paragraph more, a paragraph less, another title, other boilerplate (byline,
  photo caption, "Xem thêm"), the same text under a second URL, another Unicode form with old
  tone marks and odd spacing, or several of these at once.
- ``same: false``: two instances of one template, a week apart (two provinces signing the same
  kind of agreement), in two strengths: ``template`` (another wording drawn per paragraph) and
  ``strict`` (the very same wording, only slots differ: the hardest case); and ``other``, two
  unrelated items.

Deterministic: ``python tests/data/make_story_pairs.py`` rewrites the same file.
"""

from __future__ import annotations

import json
import random
import unicodedata
from pathlib import Path

OUT = Path(__file__).with_name("story_pairs.jsonl")

PLACES = [
    "Cần Thơ", "An Giang", "Vĩnh Long", "Đồng Tháp", "Cà Mau", "Tây Ninh", "Đồng Nai",
    "Lâm Đồng", "Khánh Hòa", "Đắk Lắk", "Gia Lai", "Quảng Ngãi", "Huế", "Đà Nẵng",
]  # fmt: skip
PEOPLE = [
    "Trần Văn Lâu", "Nguyễn Thanh Bình", "Lê Minh Hoan", "Phạm Thị Thu Hằng", "Võ Văn Hoan",
    "Đỗ Thành Trung", "Huỳnh Quốc Việt", "Lâm Minh Thành", "Trương Cảnh Tuyên", "Ngô Chí Cường",
    "Bùi Thị Quỳnh Vân", "Đặng Văn Minh",
]  # fmt: skip
FIELDS = [
    "nông nghiệp công nghệ cao", "du lịch", "logistics", "chuyển đổi số", "giáo dục nghề nghiệp",
    "y tế", "xúc tiến thương mại", "hạ tầng giao thông", "ứng phó biến đổi khí hậu",
    "năng lượng tái tạo",
]  # fmt: skip
PAPERS = [
    ("Báo Cần Thơ", "CTO"), ("Báo Ấp Bắc", "ABO"), ("Báo Tin tức", "TTXVN"),
    ("Báo Người Lao Động", "NLĐO"), ("Báo Sài Gòn Giải Phóng", "SGGP"), ("Báo Nhân Dân", "ND"),
]  # fmt: skip

# One template: a title, paragraphs; each paragraph (and the title) a list of wordings.
TEMPLATES: dict[str, dict[str, list[list[str]] | list[str]]] = {
    "mou": {
        "title": [
            "{A} và {B} ký kết chương trình hợp tác giai đoạn {period}",
            "{A} – {B} hợp tác toàn diện giai đoạn {period}",
            "Ký kết hợp tác phát triển kinh tế – xã hội giữa {A} và {B}",
        ],
        "paras": [
            [
                "Sáng {date}, tại Trung tâm Hội nghị tỉnh, UBND tỉnh {A} và UBND tỉnh {B} tổ chức lễ ký kết chương trình hợp tác phát triển kinh tế – xã hội giai đoạn {period}.",
                "Ngày {date}, lãnh đạo hai tỉnh {A} và {B} đã ký kết chương trình hợp tác giai đoạn {period}, mở ra nhiều cơ hội liên kết phát triển.",
            ],
            [
                "Dự lễ có ông {P1}, Chủ tịch UBND tỉnh {A}; ông {P2}, Chủ tịch UBND tỉnh {B} cùng đại diện lãnh đạo các sở, ban, ngành và hơn {n1} doanh nghiệp của hai địa phương.",
                "Tham dự buổi lễ có ông {P1}, Chủ tịch UBND tỉnh {A}, ông {P2}, Chủ tịch UBND tỉnh {B}, lãnh đạo các sở ngành và {n1} doanh nghiệp.",
            ],
            [
                "Phát biểu tại buổi lễ, ông {P1} cho biết {A} có thế mạnh về {F1}, trong khi {B} có lợi thế về {F2}; việc hợp tác sẽ giúp hai bên bổ trợ cho nhau, khai thác tốt tiềm năng của mỗi địa phương.",
                "Theo ông {P1}, {A} và {B} có nhiều điểm tương đồng; hai bên cần tập trung hợp tác về {F1} và {F2} để tạo động lực tăng trưởng mới cho cả vùng.",
            ],
            [
                "Theo nội dung chương trình, hai tỉnh thống nhất hợp tác trên {n2} lĩnh vực trọng tâm, gồm {F1}, {F2}, {F3}, cải cách hành chính và đào tạo nguồn nhân lực chất lượng cao.",
                "Chương trình hợp tác gồm {n2} nhóm nội dung, trong đó ưu tiên {F1}, {F2} và {F3}; hai bên sẽ chia sẻ thông tin, kinh nghiệm quản lý và cùng kêu gọi đầu tư.",
            ],
            [
                "Ông {P2} đề nghị các sở, ngành của hai tỉnh sớm cụ thể hóa chương trình bằng kế hoạch hằng năm, phân công đầu mối theo dõi và định kỳ sơ kết, đánh giá kết quả thực hiện.",
                "Kết thúc buổi lễ, ông {P2} giao các sở, ngành xây dựng kế hoạch cụ thể, báo cáo kết quả triển khai trước ngày {date2} hằng năm.",
            ],
            [
                "Dịp này, các doanh nghiệp của hai tỉnh cũng ký {n3} biên bản ghi nhớ về tiêu thụ nông sản, phát triển tour du lịch và đầu tư hạ tầng với tổng giá trị hơn {n4} tỉ đồng.",
                "Cũng tại buổi lễ, {n3} cặp doanh nghiệp ký thỏa thuận hợp tác với tổng vốn dự kiến khoảng {n4} tỉ đồng.",
            ],
        ],
    },
    "invest": {
        "title": [
            "Hội nghị xúc tiến đầu tư {A} năm {year} thu hút {n1} nhà đầu tư",
            "{A} trao chủ trương đầu tư cho {n3} dự án tại hội nghị xúc tiến",
        ],
        "paras": [
            [
                "Ngày {date}, UBND tỉnh {A} tổ chức Hội nghị xúc tiến đầu tư năm {year} với sự tham gia của hơn {n1} nhà đầu tư trong và ngoài nước.",
                "Hội nghị xúc tiến đầu tư tỉnh {A} năm {year} diễn ra ngày {date}, thu hút hơn {n1} doanh nghiệp, nhà đầu tư tham dự.",
            ],
            [
                "Tại hội nghị, tỉnh giới thiệu danh mục {n2} dự án kêu gọi đầu tư thuộc các lĩnh vực {F1}, {F2} và {F3}, tập trung ở các khu công nghiệp và vùng ven đô.",
                "Danh mục kêu gọi đầu tư gồm {n2} dự án, chủ yếu về {F1} và {F2}, cùng một số dự án {F3} có quy mô lớn.",
            ],
            [
                "Ông {P1}, Chủ tịch UBND tỉnh {A}, cam kết đồng hành cùng nhà đầu tư, rút ngắn thời gian giải quyết thủ tục và bảo đảm mặt bằng sạch cho các dự án.",
                "Chủ tịch UBND tỉnh {A} {P1} khẳng định tỉnh luôn lắng nghe, tháo gỡ khó khăn và tạo điều kiện thuận lợi nhất cho doanh nghiệp.",
            ],
            [
                "Dịp này, tỉnh trao quyết định chủ trương đầu tư cho {n3} dự án với tổng vốn đăng ký hơn {n4} tỉ đồng.",
                "Lãnh đạo tỉnh đã trao chủ trương đầu tư cho {n3} dự án, tổng vốn đăng ký khoảng {n4} tỉ đồng.",
            ],
            [
                "Năm {year}, {A} đặt mục tiêu thu hút thêm {n5} dự án mới, ưu tiên các dự án sử dụng công nghệ hiện đại, thân thiện với môi trường.",
                "Theo kế hoạch, trong năm {year} tỉnh phấn đấu thu hút {n5} dự án, chú trọng chất lượng hơn số lượng.",
            ],
        ],
    },
    "road": {
        "title": [
            "Khởi công tuyến đường nối {A} với {B}",
            "Động thổ dự án giao thông kết nối {A} – {B} dài {n1} km",
        ],
        "paras": [
            [
                "Sáng {date}, Ban Quản lý dự án đầu tư xây dựng công trình giao thông tỉnh {A} tổ chức lễ khởi công tuyến đường kết nối {A} với {B}.",
                "Ngày {date}, tỉnh {A} khởi công dự án tuyến đường nối với tỉnh {B}, một công trình được người dân chờ đợi nhiều năm.",
            ],
            [
                "Tuyến đường dài {n1} km, mặt đường rộng {n2} m, có tổng mức đầu tư hơn {n4} tỉ đồng từ ngân sách trung ương và địa phương.",
                "Dự án có chiều dài {n1} km, quy mô {n3} làn xe, tổng vốn khoảng {n4} tỉ đồng.",
            ],
            [
                "Theo ông {P1}, Phó Chủ tịch UBND tỉnh {A}, công trình sẽ rút ngắn thời gian đi lại giữa hai tỉnh, thúc đẩy {F1} và {F2} phát triển.",
                "Ông {P1} cho biết khi hoàn thành, tuyến đường giúp giảm tải cho quốc lộ hiện hữu và mở ra dư địa cho {F1}.",
            ],
            [
                "Dự án dự kiến hoàn thành vào năm {year2}; chủ đầu tư yêu cầu nhà thầu bảo đảm an toàn lao động và chất lượng công trình.",
                "Nhà thầu cam kết thi công đúng tiến độ, hoàn thành công trình trong năm {year2}.",
            ],
            [
                "Hiện công tác giải phóng mặt bằng đạt khoảng {n5}%, số hộ dân còn lại đang được địa phương vận động bàn giao đất.",
                "Đến nay, địa phương đã bàn giao {n5}% mặt bằng cho nhà thầu.",
            ],
        ],
    },
    "harvest": {
        "title": [
            "Nông dân {A} trúng mùa lúa đông xuân",
            "Giá lúa tăng, nông dân {A} phấn khởi",
        ],
        "paras": [
            [
                "Những ngày này, nông dân tỉnh {A} đang tập trung thu hoạch lúa vụ đông xuân {year}. Theo Sở Nông nghiệp và Môi trường, toàn tỉnh xuống giống hơn {n1} nghìn ha.",
                "Vụ lúa đông xuân {year} tại {A} bước vào cao điểm thu hoạch, trên diện tích hơn {n1} nghìn ha.",
            ],
            [
                "Năng suất bình quân ước đạt {n2} tấn/ha, cao hơn cùng kỳ; giá lúa tươi tại ruộng dao động từ {n3} đến {n4} đồng/kg.",
                "Năng suất đạt khoảng {n2} tấn/ha, thương lái thu mua với giá {n3}–{n4} đồng/kg.",
            ],
            [
                "Ông {P1}, nông dân xã {B}, cho biết sau khi trừ chi phí, mỗi ha lúa lãi khoảng {n5} triệu đồng.",
                "Theo ông {P1} ở xã {B}, nhờ áp dụng quy trình giảm giống, giảm phân, lợi nhuận vụ này đạt {n5} triệu đồng/ha.",
            ],
            [
                "Ngành nông nghiệp khuyến cáo nông dân thu hoạch đúng thời điểm, liên kết với doanh nghiệp để ổn định đầu ra.",
                "Sở khuyến cáo bà con tham gia hợp tác xã và liên kết tiêu thụ để tránh bị ép giá.",
            ],
        ],
    },
    "festival": {
        "title": [
            "Khai mạc Lễ hội {F1} {A} lần thứ {n3}",
            "Lễ hội {F1} {A} năm {year} thu hút đông du khách",
        ],
        "paras": [
            [
                "Tối {date}, tại Quảng trường trung tâm, UBND tỉnh {A} khai mạc Lễ hội {F1} lần thứ {n3} năm {year}.",
                "Lễ hội {F1} {A} lần thứ {n3} chính thức khai mạc vào tối {date} với nhiều hoạt động đặc sắc.",
            ],
            [
                "Lễ hội diễn ra trong {n2} ngày với hơn {n1} gian hàng trưng bày sản phẩm đặc trưng, chương trình nghệ thuật và các hoạt động trải nghiệm.",
                "Trong {n2} ngày, lễ hội có {n1} gian hàng cùng nhiều hoạt động văn hóa, thể thao và ẩm thực.",
            ],
            [
                "Phát biểu khai mạc, ông {P1} cho biết lễ hội là dịp quảng bá hình ảnh {A} thân thiện, mến khách, góp phần phát triển {F2}.",
                "Ông {P1} kỳ vọng lễ hội sẽ thu hút du khách, thúc đẩy {F2} và nâng cao thu nhập cho người dân.",
            ],
            [
                "Ban tổ chức dự kiến lễ hội đón khoảng {n4} nghìn lượt khách.",
                "Dự kiến có khoảng {n4} nghìn lượt du khách đến tham quan lễ hội.",
            ],
        ],
    },
    "erosion": {
        "title": [
            "Công bố khẩn cấp sạt lở bờ sông tại {A}",
            "Sạt lở nghiêm trọng ở {A}, nhiều hộ dân phải di dời",
        ],
        "paras": [
            [
                "Ngày {date}, UBND tỉnh {A} ban hành quyết định công bố tình huống khẩn cấp sạt lở bờ sông tại xã {B}.",
                "UBND tỉnh {A} vừa công bố khẩn cấp sạt lở bờ sông đoạn qua xã {B}, ngày {date}.",
            ],
            [
                "Đoạn sạt lở dài khoảng {n1} m, ăn sâu vào đất liền {n2} m, uy hiếp {n3} căn nhà và tuyến đường giao thông nông thôn.",
                "Vụ sạt lở dài {n1} m, lấn sâu {n2} m, đe dọa trực tiếp {n3} hộ dân.",
            ],
            [
                "Ông {P1}, Chủ tịch UBND xã {B}, cho biết địa phương đã di dời khẩn cấp các hộ dân đến nơi an toàn và cắm biển cảnh báo.",
                "Theo ông {P1}, xã đã hỗ trợ người dân di dời tài sản và bố trí lực lượng túc trực.",
            ],
            [
                "Tỉnh giao Sở Nông nghiệp và Môi trường khẩn trương lập phương án xử lý với kinh phí dự kiến {n4} tỉ đồng.",
                "Kinh phí khắc phục ước tính khoảng {n4} tỉ đồng, được trích từ nguồn dự phòng ngân sách tỉnh.",
            ],
        ],
    },
}

EXTRA = [  # a republisher's added paragraph (background), per template
    "Trước đó, hai địa phương đã có nhiều hoạt động phối hợp trong lĩnh vực {F1}, tổ chức các đoàn công tác trao đổi kinh nghiệm và kết nối doanh nghiệp.",
    "Thời gian qua, {A} đã triển khai nhiều giải pháp cải thiện môi trường đầu tư, chỉ số năng lực cạnh tranh cấp tỉnh liên tục tăng hạng.",
    "Được biết, đây là một trong những dự án trọng điểm của tỉnh {A} trong nhiệm kỳ, được đưa vào danh mục đầu tư công trung hạn.",
    "Những năm gần đây, {A} đẩy mạnh xây dựng vùng nguyên liệu đạt chuẩn, gắn với chế biến sâu và xuất khẩu.",
    "Năm ngoái, lễ hội đón hơn {n1} nghìn lượt khách, doanh thu từ dịch vụ lưu trú và ăn uống tăng mạnh.",
]
BOILER_TOP = ["{byline}", "(Ảnh: {byline} – Quang cảnh buổi lễ)", "Cập nhật lúc 09:30, {date}"]
BOILER_END = [
    "{byline}",
    "Theo {paper}",
    "Xem thêm: Đẩy mạnh liên kết vùng để phát triển bền vững",
    "Tin liên quan: Hội nghị tổng kết công tác năm",
    "Chia sẻ Facebook | Zalo | In bài",
]
BYLINES = ["Minh Huyền", "Thanh Tâm", "Ngọc Trinh", "Hoàng Phúc", "Gia Bảo", "Khánh Linh"]


def instance(kind: str, rng: random.Random, wording: list[int] | None = None) -> dict:
    """One news item of a template: its slots and the chosen wording of each paragraph."""
    t = TEMPLATES[kind]
    a, b = rng.sample(PLACES, 2)
    f1, f2, f3 = rng.sample(FIELDS, 3)
    p1, p2 = rng.sample(PEOPLE, 2)
    day, month = rng.randint(1, 27), rng.randint(1, 12)
    year = rng.choice([2025, 2026])
    slots = {
        "A": a, "B": b, "F1": f1, "F2": f2, "F3": f3, "P1": p1, "P2": p2,
        "date": f"ngày {day}/{month}", "date2": f"{rng.randint(1, 28)}/{rng.randint(1, 12)}",
        "period": rng.choice(["2025–2030", "2026–2030", "2025–2027"]),
        "year": str(year), "year2": str(year + rng.randint(1, 3)),
        "n1": str(rng.randint(12, 950)), "n2": str(rng.randint(3, 14)),
        "n3": str(rng.randint(2, 30)), "n4": f"{rng.randint(1, 99)}.{rng.randint(100, 999)}",
        "n5": str(rng.randint(15, 95)),
    }  # fmt: skip
    paras = t["paras"]
    picks = wording or [rng.randrange(len(p)) for p in paras]
    return {"kind": kind, "slots": slots, "wording": picks, "title": rng.randrange(len(t["title"]))}


def render(item: dict) -> tuple[str, list[str]]:
    t, s = TEMPLATES[item["kind"]], item["slots"]
    title = t["title"][item["title"]].format(**s)
    return title, [p[i].format(**s) for p, i in zip(t["paras"], item["wording"], strict=True)]


def old_style(text: str) -> str:
    """Old tone placement, NFD, doubled spaces and stray line breaks: same text, other bytes."""
    for new, old in (("òa", "oà"), ("óa", "oá"), ("ỏa", "oả"), ("ủy", "uỷ"), ("ùy", "uỳ")):
        text = text.replace(new, old)
    return unicodedata.normalize("NFD", text).replace(", ", ",  ").replace(". ", ".\n")


def copy_of(item: dict, edit: str, rng: random.Random) -> tuple[str, list[str]]:
    title, paras = render(item)
    s = {**item["slots"], "byline": rng.choice(BYLINES)}
    paper, short = rng.choice(PAPERS)
    s["paper"] = paper
    edits = edit.split("+")
    paras = list(paras)
    if "tag" in edits:
        paras[0] = rng.choice([f"({paper}) - ", f"{short} - ", f"{s['A'].upper()} - "]) + paras[0]
    if "more" in edits:
        paras.insert(rng.randint(1, len(paras)), rng.choice(EXTRA).format(**s))
    if "less" in edits:
        del paras[rng.randint(1, len(paras) - 1)]
    if "title" in edits:
        other = [i for i in range(len(TEMPLATES[item["kind"]]["title"])) if i != item["title"]]
        title = TEMPLATES[item["kind"]]["title"][rng.choice(other)].format(**s)
        title = rng.choice([title, f"{title}: nhiều kỳ vọng mới", f"[Video] {title}"])
    if "boiler" in edits:
        paras.insert(0, rng.choice(BOILER_TOP).format(**s))
        paras.append(rng.choice(BOILER_END).format(**s))
        paras.append(rng.choice(BOILER_END).format(**s))
    if "unicode" in edits:
        title, paras = old_style(title), [old_style(p) for p in paras]
    return title, paras


EDITS = [
    "tag", "more", "less", "title", "boiler", "url", "unicode",
    "tag+title", "tag+boiler+less", "title+more+boiler", "tag+title+less+boiler+unicode",
]  # fmt: skip


def article(title: str, paras: list[str]) -> dict[str, str]:
    return {"title": title, "body": "\n\n".join(paras)}


def main() -> None:
    rng = random.Random(14)
    kinds = list(TEMPLATES)
    lines = []
    for i in range(66):  # copies: every edit on every template
        kind = kinds[i % len(kinds)]
        edit = EDITS[i % len(EDITS)]
        item = instance(kind, rng)
        a = article(*render(item))
        b = article(*copy_of(item, edit, rng))
        lines.append({"id": f"copy-{kind}-{edit}-{i}", "kind": edit, "same": True, "a": a, "b": b})
    for i in range(48):  # look-alikes: one template, two events (half with the same wording)
        kind = kinds[i % len(kinds)]
        first = instance(kind, rng)
        strict = i % 2 == 0
        second = instance(kind, rng, wording=first["wording"] if strict else None)
        if strict:
            second["title"] = first["title"]
        label = "strict" if strict else "template"
        a, b = article(*render(first)), article(*render(second))
        if i % 3 == 0:  # the second one republished too: a tag and boilerplate on top
            b = article(*copy_of(second, "tag+boiler", rng))
        lines.append(
            {"id": f"apart-{kind}-{label}-{i}", "kind": label, "same": False, "a": a, "b": b}
        )
    for i in range(18):  # unrelated items
        k1, k2 = rng.sample(kinds, 2)
        a, b = article(*render(instance(k1, rng))), article(*render(instance(k2, rng)))
        lines.append({"id": f"apart-{k1}-{k2}-{i}", "kind": "other", "same": False, "a": a, "b": b})
    OUT.write_text(
        "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8"
    )
    print(f"{OUT.name}: {len(lines)} pairs")


if __name__ == "__main__":
    main()
