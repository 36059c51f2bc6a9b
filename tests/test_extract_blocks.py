"""Automatic mode on layouts seen on real pages, one failure class each: an article split
into sibling blocks, a lead outside the body's block, related boxes named after posts.

The pages are written here, small, in Vietnamese and other languages."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from monitor.extract import extract_article

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2024, 12, 1, 9, 0, tzinfo=TZ)
URL = "https://bao.example.vn/kinh-te/hop-tac-vung-123.html"

VI = [
    "Sáng nay, lãnh đạo thành phố làm việc với các sở, ngành về kế hoạch hợp tác với TP.HCM.",
    "Các đơn vị được giao rà soát danh mục dự án, đề xuất nguồn vốn và báo cáo trước ngày 15.",
    "Thành phố cũng đề nghị tăng cường kết nối cung cầu, đưa nông sản vào các chuỗi siêu thị.",
    "Theo kế hoạch, các tỉnh trong vùng sẽ ký kết chương trình phối hợp, chia sẻ dữ liệu, đào tạo.",
]
DE = [
    "Die Stadt hat am Montag beschlossen, den Radverkehr im Zentrum deutlich auszubauen, sagte der Bürgermeister.",
    "Geplant sind neue Radwege, sichere Abstellanlagen und eine bessere Beleuchtung, vor allem an Schulen.",
    "Die Kosten von rund vier Millionen Euro teilen sich Land, Kreis und Stadt, heißt es im Beschluss.",
    "Kritik kam von den Händlern, die um Parkplätze fürchten, und vom Verband der Pendler.",
]
NAV = (
    '<ul class="menu">'
    + "".join(f'<li><a href="/muc-{i}">Chuyên mục số {i}</a></li>' for i in range(12))
    + "</ul>"
)


def read(html: str) -> str:
    return extract_article(URL, html.encode(), "text/html", None, tz=TZ, now=NOW).body


def test_sections_split_by_a_figure_join_into_one_body() -> None:
    # a page builder puts each section in its own block of the same kind; the figure between
    # them (and the block's low score: one paragraph each) must not cut the article in two
    html = f"""<html><body>{NAV}<div class="page"><h1>Tiêu đề</h1>
    <div class="field-item"><p>{VI[0]}</p><p>{VI[1]}</p><p>{VI[2]}</p></div>
    <figure><img src="a.jpg"></figure>
    <div class="field-item"><div><div><p>{VI[3]}</p></div></div></div>
    </div><div class="footer">Cơ quan chủ quản: UBND thành phố</div></body></html>"""
    assert read(html) == "\n\n".join(VI)


def test_unscored_prose_block_before_the_body_is_kept() -> None:
    # sentences nested deeper than scores reach, beside the article, with no links
    deep = f"<div><div><div><div><span>{DE[0]} {DE[1]}</span></div></div></div></div>"
    html = f"""<html><body>{NAV}<div class="wrap"><section>{deep}</section>
    <div class="text"><p>{DE[2]}</p><p>{DE[3]}</p><p>{DE[2]}</p><p>{DE[3]}</p></div></div>
    </body></html>"""
    body = read(html)
    assert body.startswith(f"{DE[0]} {DE[1]}")
    assert body.endswith(DE[3])


def test_related_posts_box_inside_the_article_is_dropped() -> None:
    # "post" and "article" name article containers, but not a box of related posts
    related = (
        '<div id="jp-relatedposts" class="jp-relatedposts"><h3>Ähnliche Beiträge</h3>'
        "<p>Radwege in der Altstadt: die Pläne des Rathauses für das kommende Jahr</p></div>"
    )
    footer = '<footer class="entry-footer">Dieser Eintrag wurde veröffentlicht in Stadt.</footer>'
    html = f"""<html><body>{NAV}<article class="post"><div class="entry-content">
    {"".join(f"<p>{p}</p>" for p in DE)}{related}</div>
    <div class="entry-footer">Dieser Eintrag wurde veröffentlicht in Stadt.</div>{footer}
    </article></body></html>"""
    assert read(html) == "\n\n".join(DE)


def test_wrapper_naming_content_and_sidebar_is_not_boilerplate() -> None:
    html = f"""<html><body>{NAV}<div class="content-with-sidebar-wrp"><div class="content">
    {"".join(f"<p>{p}</p>" for p in VI)}</div></div></body></html>"""
    assert read(html) == "\n\n".join(VI)


def test_lead_in_the_article_header_comes_first() -> None:
    # the sapo sits in the header with the title and the date, the body in its own block
    sapo = "Thành phố đặt mục tiêu hoàn thành kế hoạch hợp tác vùng trong quý I năm tới, theo lãnh đạo."
    html = f"""<html><body>{NAV}<article><header><h1>Hợp tác vùng</h1>
    <span class="date">29/11/2024</span><h2 class="detail-sapo">{sapo}</h2></header>
    <div class="detail-content">{"".join(f"<p>{p}</p>" for p in VI)}</div></article></body></html>"""
    assert read(html) == "\n\n".join([sapo, *VI])


def test_chapo_outside_the_body_but_not_a_byline_named_intro() -> None:
    chapo = "La mairie veut doubler les pistes cyclables d'ici deux ans, un projet chiffré à quatre millions."
    paras = [
        "Le conseil municipal a voté lundi soir, après un long débat, le plan vélo présenté par le maire.",
        "Les commerçants du centre craignent la perte de places de stationnement, a indiqué leur union.",
        "Les travaux commenceront au printemps, d'abord autour des écoles, puis dans les quartiers.",
    ]
    html = f"""<html><body>{NAV}<div class="article"><div class="article-intro">
    <span class="intro-byline">Par Marie Dupont</span><p class="chapo">{chapo}</p></div>
    <div class="texte">{"".join(f"<p>{p}</p>" for p in paras)}</div></div></body></html>"""
    assert read(html) == "\n\n".join([chapo, *paras])
    short = html.replace(chapo, "Marie Dupont, Lyon")
    assert read(short) == "\n\n".join(paras)


def test_trailing_headings_go_and_a_short_last_sentence_stays() -> None:
    tail = "<p>Ông nói thêm: Xong.</p><h3>Tin liên quan</h3><p><b>Chia sẻ bài viết</b></p>"
    html = f"""<html><body>{NAV}<div class="noi-dung">{"".join(f"<p>{p}</p>" for p in VI)}
    {tail}</div></body></html>"""
    assert read(html) == "\n\n".join([*VI, "Ông nói thêm: Xong."])
    de = f"""<html><body>{NAV}<div class="text">{"".join(f"<p>{p}</p>" for p in DE)}
    <h2>Mehr zum Thema</h2><p>Weiterführender Link</p></div></body></html>"""
    assert read(de) == "\n\n".join(DE)


def test_article_element_when_scoring_finds_next_to_nothing() -> None:
    # the article sits in an <aside> (dropped as boilerplate) and one paragraph per div
    paras = "".join(f'<div class="p"><span>{p}</span></div>' for p in DE)
    html = f"""<html><body>{NAV}<main><aside class="wrap"><article>
    <div class="text">{paras}</div></article></aside></main></body></html>"""
    body = read(html)
    assert all(p in body for p in DE)


def test_inline_read_more_links_inside_the_body_go() -> None:
    inline = (
        '<p>Xem thêm: <a href="/a-2.html">Hậu Giang khởi công dự án giao thông liên vùng</a></p>'
        '<p><strong>Read more:</strong> <a href="/b-3.html">The city budget explained</a></p>'
    )
    cited = '<p><a href="http://www.openpetition.de">http://www.openpetition.de</a></p>'
    html = f"""<html><body>{NAV}<div class="noi-dung"><p>{VI[0]}</p><p>{VI[1]}</p>{inline}
    <p>{VI[2]}</p>{cited}</div></body></html>"""
    assert read(html) == "\n\n".join([VI[0], VI[1], VI[2], "http://www.openpetition.de"])


def test_photo_credits_between_paragraphs_go() -> None:
    credits = "<p>Ảnh: Minh Khang</p><p>© AFP / Jean Dupont</p><p>Foto: dpa</p>"
    html = f"""<html><body>{NAV}<div class="noi-dung"><p>{VI[0]}</p>{credits}<p>{VI[1]}</p>
    <p>{VI[2]}</p></div></body></html>"""
    assert read(html) == "\n\n".join(VI[:3])


def test_endless_scroll_keeps_the_page_s_own_story() -> None:
    # the next story, loaded below, is longer; the page is about the one under its title
    other = "".join(f"<p>{p} {p} {p}</p>" for p in DE)
    mine = [f"{p} {p}" for p in VI]
    html = f"""<html><head><title>Hợp tác vùng ĐBSCL - Báo</title></head><body>{NAV}
    <div class="scroll"><article class="story"><h1>Hợp tác vùng ĐBSCL</h1>
    <div class="entry-text">{"".join(f"<p>{p}</p>" for p in mine)}</div></article>
    <article class="story"><h2>Radwege in der Stadt</h2><div class="entry-text">{other}</div>
    </article></div></body></html>"""
    assert read(html) == "\n\n".join(mine)
