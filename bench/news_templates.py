"""Templates of short Vietnamese news items, for the synthetic databases of the benchmarks.

bench/bench_report.py fills them to build a million-article history. (They were the first
labelled set of the topic; the team's labelled texts now live in tests/data/topic/.) Each
template is a news item; slots vary the localities, fields and dates, and a fixed share of items
is rewritten into the spellings met on real pages: NFD, old tone marks, no diacritics, capitals.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from pathlib import Path

OUT = Path(__file__).with_name("news_templates.jsonl")

DELTA_OLD = [
    "Cần Thơ",
    "An Giang",
    "Kiên Giang",
    "Bạc Liêu",
    "Cà Mau",
    "Bến Tre",
    "Trà Vinh",
    "Vĩnh Long",
    "Đồng Tháp",
    "Tiền Giang",
    "Hậu Giang",
    "Sóc Trăng",
    "Long An",
]
MERGED = {
    "Cần Thơ": "Cần Thơ, Sóc Trăng và Hậu Giang",
    "Vĩnh Long": "Vĩnh Long, Bến Tre và Trà Vinh",
    "Đồng Tháp": "Đồng Tháp và Tiền Giang",
    "Cà Mau": "Cà Mau và Bạc Liêu",
    "An Giang": "An Giang và Kiên Giang",
    "Tây Ninh": "Tây Ninh và Long An",
}
HCM = ["TP.HCM", "TP. HCM", "TPHCM", "Tp.HCM", "TP Hồ Chí Minh", "Thành phố Hồ Chí Minh", "TP.HCM"]
DELTA = [
    "ĐBSCL",
    "DBSCL",
    "Đồng bằng sông Cửu Long",
    "đồng bằng sông Cửu Long",
    "ĐBSCL",
    "Tây Nam Bộ",
]
FIELDS = [
    "hạ tầng giao thông",
    "du lịch",
    "xúc tiến thương mại, đầu tư",
    "kết nối cung cầu hàng hóa",
    "ứng phó biến đổi khí hậu",
    "khoa học, công nghệ và chuyển đổi số",
    "giáo dục, y tế",
    "phát triển nguồn nhân lực",
    "logistics",
    "nông nghiệp công nghệ cao",
    "quản lý tài nguyên nước",
]
DATES = [
    "Sáng 29/11",
    "Chiều 21/7",
    "Ngày 11/3",
    "Sáng 15/8",
    "Chiều 3/10",
    "Sáng 12/12",
    "Ngày 5/6",
    "Sáng 24/4",
    "Chiều 18/9",
    "Ngày 2/1",
]
NORTH = ["Nghệ An", "Thanh Hóa", "Quảng Bình", "Hà Tĩnh"]
FOREIGN = [
    "tỉnh Gifu (Nhật Bản)",
    "thành phố Gimhae (Hàn Quốc)",
    "vùng Bretagne (Pháp)",
    "bang Victoria (Australia)",
    "tỉnh Savannakhet (Lào)",
    "tỉnh Kampot (Campuchia)",
    "Tổ chức Hợp tác Quốc tế Nhật Bản (JICA)",
    "Vương quốc Hà Lan",
]
OTHER = ["Hà Nội", "Đà Nẵng", "Hải Phòng", "Quảng Ninh", "Lâm Đồng", "Đắk Lắk", "Huế"]

# (title, text) — regional cooperation: between Vietnamese localities or within a region.
RELEVANT = [
    (
        "{A} và {B} ký kết thỏa thuận hợp tác giai đoạn 2025–2030",
        "{DATE}, UBND {A} và UBND {B} tổ chức lễ ký kết thỏa thuận hợp tác phát triển kinh tế - xã hội giai đoạn 2025–2030. Hai địa phương thống nhất ưu tiên {F} và {F2}, giao các sở, ngành xây dựng kế hoạch cụ thể trong quý tới.",
    ),
    (
        "Sơ kết chương trình hợp tác giữa {H} và các tỉnh, thành vùng {D}",
        "Tại hội nghị sơ kết tổ chức ở {A}, lãnh đạo {H} và 13 tỉnh, thành vùng {D} đánh giá nhiều nội dung hợp tác đã đi vào thực chất, nhất là {F}. Các bên thống nhất kế hoạch hợp tác năm tới với {N} nhiệm vụ trọng tâm.",
    ),
    (
        "Hội đồng điều phối vùng {D} họp phiên thứ {N}",
        "Hội đồng điều phối vùng {D} vừa họp để rà soát tiến độ các dự án liên kết vùng, trong đó có tuyến cao tốc nối {A} với {B}. Các địa phương kiến nghị sớm hoàn thiện cơ chế chia sẻ nguồn lực cho những công trình liên vùng.",
    ),
    (
        "Kết nối cung cầu hàng hóa giữa {H} và các tỉnh {D}",
        "Chương trình kết nối cung cầu năm nay thu hút hơn {N}0 doanh nghiệp từ {H} và các tỉnh {D}. Nhiều hợp đồng tiêu thụ trái cây, thủy sản của {A} và {B} được ký ngay tại hội nghị, mở rộng đầu ra cho nông sản của vùng.",
    ),
    (
        "Liên kết phát triển du lịch {A} – {B} – {C}",
        "Ba địa phương {A}, {B} và {C} vừa ký kết chương trình liên kết phát triển du lịch, xây dựng chuỗi tour sông nước và chia sẻ dữ liệu du khách. Đây là bước cụ thể hóa thỏa thuận hợp tác đã ký năm trước.",
    ),
    (
        "Tăng cường liên kết vùng {D} theo Nghị quyết 13-NQ/TW",
        "Sau ba năm thực hiện Nghị quyết 13-NQ/TW, các tỉnh, thành vùng {D} đã có chuyển biến trong liên kết vùng, song cơ chế điều phối còn lỏng. Bộ Tài chính đề nghị các địa phương chủ động phối hợp xây dựng danh mục dự án có tính lan tỏa liên vùng.",
    ),
    (
        "Quy hoạch vùng {D}: kết nối hạ tầng là khâu đột phá",
        "Theo Quy hoạch vùng {D} thời kỳ 2021–2030, các tuyến cao tốc và đường thủy nối {H} với {A}, {B} được xác định là ưu tiên. Các tỉnh được yêu cầu phối hợp triển khai đồng bộ, tránh tình trạng mỗi nơi làm một đoạn.",
    ),
    (
        "{H} và {A} ký biên bản ghi nhớ về chuyển đổi số",
        "Sở Khoa học và Công nghệ {H} và Sở Khoa học và Công nghệ {A} đã ký biên bản ghi nhớ hợp tác, cùng xây dựng nền tảng dữ liệu dùng chung và hỗ trợ doanh nghiệp khởi nghiệp sáng tạo của hai địa phương.",
    ),
    (
        "Xúc tiến đầu tư chung vùng {D} tại {H}",
        "Hội nghị xúc tiến đầu tư chung của các tỉnh vùng {D} diễn ra tại {H} với sự tham gia của hơn {N}00 nhà đầu tư. {A} và {B} giới thiệu quỹ đất công nghiệp, đồng thời kêu gọi doanh nghiệp mở rộng chuỗi cung ứng về vùng.",
    ),
    (
        "Hợp long cầu nối {A} và {B}",
        "Cây cầu nối {A} và {B} vừa hợp long, rút ngắn thời gian đi lại giữa hai tỉnh còn khoảng 30 phút. Công trình nằm trong chương trình kết nối giao thông liên vùng {D} mà các địa phương cùng đề xuất với Trung ương.",
    ),
    (
        "{A} và {B} thống nhất quy chế phối hợp quản lý tuyến sông giáp ranh",
        "Hai địa phương ký quy chế phối hợp trong quản lý, khai thác tuyến sông giáp ranh, chia sẻ thông tin về sạt lở và xâm nhập mặn. Đây là một nội dung của thỏa thuận hợp tác vùng {D}.",
    ),
    (
        "Các tỉnh ven biển {D} hợp tác ứng phó biến đổi khí hậu",
        "Các tỉnh {A}, {B} và {C} thống nhất cùng xây dựng kế hoạch ứng phó biến đổi khí hậu, điều tiết nguồn nước ngọt mùa khô và chia sẻ dữ liệu quan trắc mặn theo tinh thần liên kết vùng.",
    ),
    (
        "Tổng kết 10 năm hợp tác giữa {H} và {A}",
        "{DATE}, {H} và {A} tổ chức hội nghị tổng kết 10 năm thực hiện chương trình hợp tác. Kim ngạch trao đổi hàng hóa giữa hai địa phương tăng gấp ba lần; {H} đề nghị {A} tiếp tục là nơi cung ứng nông sản chủ lực.",
    ),
    (
        "Chuyên gia: liên kết vùng {D} vẫn nặng hình thức",
        "Tại diễn đàn kinh tế vùng {D}, nhiều chuyên gia cho rằng liên kết vùng vẫn chủ yếu trên giấy. Họ đề xuất trao thêm quyền cho Hội đồng điều phối vùng và lập quỹ đầu tư chung cho các dự án kết nối {A}, {B} với {H}.",
    ),
    (
        "{H} hỗ trợ {A} đào tạo nhân lực y tế",
        "Theo chương trình hợp tác giữa {H} và các tỉnh {D}, năm nay các bệnh viện tuyến cuối của {H} nhận đào tạo {N}0 bác sĩ của {A}, đồng thời chuyển giao kỹ thuật can thiệp tim mạch.",
    ),
    (
        "Ba tỉnh phía Tây sông Hậu bàn cơ chế liên kết",
        "Lãnh đạo {A}, {B} và {C} họp bàn về cụm liên kết phía Tây sông Hậu, thống nhất cùng kêu gọi đầu tư cảng biển và trung tâm logistics phục vụ cả vùng {D}.",
    ),
    (
        "Tỉnh {NEW} mới ký thỏa thuận hợp tác với {H}",
        "Sau sắp xếp đơn vị hành chính, tỉnh {NEW} (gồm {PARTS} trước đây) và {H} đã ký thỏa thuận hợp tác mới, kế thừa các nội dung đã ký với các tỉnh cũ và bổ sung hợp tác về logistics, du lịch.",
    ),
    (
        "Các địa phương vùng {D} rà soát thỏa thuận hợp tác sau sáp nhập",
        "Từ ngày 1/7/2025, vùng {D} còn 6 tỉnh, thành. Các địa phương đang rà soát lại các thỏa thuận hợp tác với {H} đã ký trước đây, trong đó có các nội dung với {OLD} (cũ).",
    ),
    (
        "Đoàn công tác {A} trao đổi kinh nghiệm tại {B}",
        "Đoàn công tác {A} đến {B} trao đổi kinh nghiệm thu hút đầu tư và phát triển kinh tế đêm. Hai bên thống nhất sẽ ký kết chương trình hợp tác giữa hai địa phương trong thời gian tới.",
    ),
    (
        "Doanh nghiệp lữ hành {H} và miền Tây liên kết mở tour mới",
        "Các doanh nghiệp lữ hành {H} và các tỉnh miền Tây ký kết hợp tác khai thác chuỗi tour kết nối, đưa khách từ {H} về {A}, {B}. Sở Du lịch các bên cam kết cùng quảng bá điểm đến.",
    ),
    (
        "Vùng kinh tế trọng điểm phía Nam bàn kết nối hạ tầng",
        "Các địa phương vùng kinh tế trọng điểm phía Nam, trong đó có {H}, Bình Dương, Đồng Nai và Bà Rịa–Vũng Tàu, bàn giải pháp kết nối hạ tầng và phân công sản xuất. Hội nghị thống nhất thành lập tổ công tác liên ngành.",
    ),
    (
        "{H} và Tây Ninh hợp tác phát triển logistics",
        "{H} và tỉnh Tây Ninh (mới) ký kết chương trình hợp tác phát triển hạ tầng logistics dọc hành lang cao tốc, kết nối cảng cạn với cụm cảng biển. Hai địa phương lập tổ điều phối chung để theo dõi tiến độ.",
    ),
    (
        "Đồng Tháp và {H} đẩy mạnh hợp tác nông nghiệp",
        "Tỉnh Đồng Tháp (mới, gồm Đồng Tháp và Tiền Giang cũ) và {H} vừa ký kết kế hoạch hợp tác năm 2026, tập trung tiêu thụ nông sản, phát triển chuỗi lạnh và đào tạo nhân lực cho hợp tác xã của tỉnh.",
    ),
    (
        "Kế hoạch hợp tác {H} – {D} năm 2025",
        "UBND {H} ban hành kế hoạch thực hiện chương trình hợp tác với các tỉnh, thành vùng {D} năm 2025, gồm {N} nhóm nhiệm vụ về {F}, {F2}. Các sở, ngành được giao phối hợp với địa phương bạn triển khai trước tháng 10.",
    ),
    (
        "Hội thảo liên kết phát triển vùng Tây Nam Bộ",
        "Hội thảo do {A} đăng cai bàn về liên kết phát triển vùng Tây Nam Bộ, trong đó nhấn mạnh vai trò đầu tàu của Cần Thơ và sự kết nối với {H}. Đại biểu kiến nghị sớm hoàn thành các tuyến cao tốc liên vùng.",
    ),
    (
        "{A} và {B} phối hợp xúc tiến thương mại chung",
        "Lần đầu tiên, {A} và {B} cùng tổ chức hội chợ xúc tiến thương mại chung, giới thiệu sản phẩm OCOP của hai tỉnh. Đây là hoạt động thuộc chương trình hợp tác đã ký giữa hai địa phương.",
    ),
    (
        "Thông qua quy chế hoạt động của Hội đồng điều phối vùng {D}",
        "Hội đồng điều phối vùng {D} thông qua quy chế hoạt động mới, trong đó các tỉnh luân phiên làm tổ trưởng tổ điều phối. {A} được giao chủ trì nhóm nhiệm vụ về {F}.",
    ),
    (
        "{H} cam kết đồng hành cùng các tỉnh {D}",
        "Phát biểu tại hội nghị hợp tác phát triển kinh tế - xã hội giữa {H} và 13 tỉnh, thành {D}, lãnh đạo thành phố cam kết chia sẻ kinh nghiệm về chuyển đổi số và hỗ trợ {A}, {B} phát triển nguồn nhân lực.",
    ),
    (
        "Mở tuyến xe buýt liên tỉnh {H} – {A}",
        "Tuyến xe buýt liên tỉnh nối {H} với {A} chính thức hoạt động, thuộc kế hoạch kết nối giao thông vùng mà hai địa phương đã thống nhất trong thỏa thuận hợp tác ký năm ngoái.",
    ),
    (
        "Sáu tỉnh, thành {D} ký kết hợp tác sau sắp xếp địa giới",
        "Sáu tỉnh, thành vùng {D} gồm Cần Thơ, Vĩnh Long, Đồng Tháp, Cà Mau, An Giang và Tây Ninh cùng ký kết văn bản hợp tác mới về liên kết vùng, thay thế các thỏa thuận riêng lẻ trước đây.",
    ),
    (
        "{A} đề xuất cơ chế liên kết vùng về nguồn nước",
        "Tại buổi làm việc với Bộ Nông nghiệp và Môi trường, {A} đề xuất xây dựng cơ chế liên kết vùng trong điều tiết nguồn nước, vì dự án thủy lợi của một tỉnh ảnh hưởng trực tiếp đến {B} và {C}.",
    ),
    (
        "Kết nối trung tâm logistics vùng {D} với {H}",
        "Trung tâm logistics vùng {D} đặt tại {A} sẽ kết nối với cụm cảng {H} qua đường thủy nội địa. Các địa phương ký biên bản ghi nhớ về chia sẻ dữ liệu vận tải và ưu đãi cho doanh nghiệp tham gia.",
    ),
    (
        "Hội nghị sơ kết thỏa thuận hợp tác {H} với 13 tỉnh ĐBSCL tại Cần Thơ",
        "{DATE}, tại Cần Thơ, {H} và 13 tỉnh, thành ĐBSCL tổ chức hội nghị sơ kết 2 năm thực hiện thỏa thuận hợp tác. Sáu lĩnh vực hợp tác gồm giao thông, du lịch, xúc tiến đầu tư, biến đổi khí hậu, chuyển đổi số và nguồn nhân lực.",
    ),
    (
        "{A} và {B} ký MOU về giáo dục nghề nghiệp",
        "Hai địa phương ký MOU hợp tác đào tạo nghề, theo đó các trường cao đẳng của {A} nhận học viên từ {B} và cùng kết nối việc làm với các khu công nghiệp trong vùng.",
    ),
    (
        "Liên kết vùng trong phát triển du lịch đường sông",
        "Sở Văn hóa, Thể thao và Du lịch {A}, {B} và {H} thống nhất liên kết khai thác tuyến du lịch đường sông, xây dựng sản phẩm chung và quảng bá dưới thương hiệu miền Tây sông nước.",
    ),
    (
        "Đại hội Đảng bộ {A}: ưu tiên hợp tác với {H} và các tỉnh trong vùng",
        "Văn kiện đại hội xác định tăng cường hợp tác, liên kết với {H} và các tỉnh vùng {D} là một trong ba khâu đột phá của nhiệm kỳ, nhất là về {F}.",
    ),
]

# (title, text, trap) — not regional cooperation, many built to fool keyword search.
NEGATIVE = [
    (
        "Hợp tác xã nông nghiệp {A} liên kết tiêu thụ lúa",
        "Hợp tác xã nông nghiệp ở xã Thạnh Phú, {A} vừa ký hợp đồng tiêu thụ lúa với một doanh nghiệp, giúp xã viên yên tâm sản xuất. Mô hình được Liên minh Hợp tác xã tỉnh đánh giá cao.",
        "htx",
    ),
    (
        "HTX thủy sản ở {A} mở rộng vùng nuôi tôm",
        "HTX thủy sản Tân Lộc ở {A} mở rộng vùng nuôi tôm lên {N}0 ha, áp dụng quy trình nuôi ít thay nước. Các thành viên HTX được tập huấn về phòng bệnh cho tôm.",
        "htx",
    ),
    (
        "Tổ hợp tác nuôi cá ở {A} có thu nhập ổn định",
        "Tổ hợp tác nuôi cá lóc ở {A} gồm 12 hộ, mỗi năm xuất bán hơn 200 tấn cá. Tổ hợp tác đang đề nghị hỗ trợ vốn để nâng lên thành hợp tác xã.",
        "htx",
    ),
    (
        "Đại hội Liên minh Hợp tác xã {A} nhiệm kỳ 2025–2030",
        "Đại hội Liên minh Hợp tác xã {A} đề ra mục tiêu phát triển thêm {N}0 hợp tác xã kiểu mới, hỗ trợ các HTX chuyển đổi số và tiếp cận vốn vay ưu đãi.",
        "htx",
    ),
    (
        "{H}: hỗ trợ hợp tác xã tiếp cận vốn",
        "Liên minh Hợp tác xã {H} phối hợp với ngân hàng giải ngân gói vay cho các hợp tác xã nông nghiệp ven đô, ưu tiên những HTX có hợp đồng liên kết tiêu thụ.",
        "htx",
    ),
    (
        "Phòng Hợp tác quốc tế Sở Ngoại vụ {A} tập huấn lễ tân",
        "Phòng Hợp tác quốc tế thuộc Sở Ngoại vụ {A} tổ chức lớp tập huấn nghiệp vụ lễ tân đối ngoại cho cán bộ các sở, ngành. Lớp học diễn ra trong hai ngày.",
        "htqt",
    ),
    (
        "Tuyển dụng chuyên viên Phòng Hợp tác quốc tế",
        "Sở Ngoại vụ {A} thông báo tuyển dụng hai chuyên viên làm việc tại Phòng Hợp tác quốc tế, yêu cầu tốt nghiệp đại học chuyên ngành quan hệ quốc tế và sử dụng thành thạo tiếng Anh.",
        "htqt",
    ),
    (
        "Cổng thông tin điện tử {A}",
        "Liên kết website: Cổng TTĐT Chính phủ | Cổng TTĐT TP. Cần Thơ | Cổng TTĐT tỉnh {A} | Báo {A}. Bản quyền thuộc UBND {A}. Ghi rõ nguồn khi phát hành lại thông tin từ trang này.",
        "website",
    ),
    (
        "Lịch tiếp công dân tháng {N} của UBND {A}",
        "UBND {A} thông báo lịch tiếp công dân định kỳ tại Trụ sở tiếp công dân tỉnh. Liên kết website: Cổng TTĐT Chính phủ, Bộ Tài chính, Sở Kế hoạch và Đầu tư.",
        "website",
    ),
    (
        "Nông dân {A} liên kết sản xuất lúa hữu cơ",
        "Gần 300 hộ nông dân ở {A} tham gia liên kết sản xuất, tiêu thụ lúa hữu cơ với một công ty xuất khẩu gạo. Doanh nghiệp bao tiêu toàn bộ sản lượng với giá cao hơn thị trường.",
        "lksx",
    ),
    (
        "Liên kết sản xuất theo chuỗi giúp nông dân {A} tăng lãi",
        "Mô hình liên kết sản xuất và tiêu thụ dứa giữa nông dân {A} và nhà máy chế biến giúp lợi nhuận tăng 20%. Ngành nông nghiệp tỉnh sẽ nhân rộng mô hình ở các huyện khác.",
        "lksx",
    ),
    (
        "{A} học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
        "Ban Tuyên giáo {A} sơ kết việc học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh, biểu dương {N}0 tập thể, cá nhân tiêu biểu. Các cơ quan phối hợp tổ chức nhiều hoạt động thiết thực.",
        "hcm",
    ),
    (
        "Đoàn TNCS Hồ Chí Minh {A} ra quân chiến dịch tình nguyện hè",
        "Tỉnh đoàn {A} phối hợp với các đơn vị ra quân chiến dịch tình nguyện hè, với hàng nghìn đoàn viên Đoàn TNCS Hồ Chí Minh tham gia sửa đường, dạy học cho trẻ em.",
        "hcm",
    ),
    (
        "Thông xe đoạn đường Hồ Chí Minh qua {X}",
        "Đoạn đường Hồ Chí Minh qua tỉnh {X} dài 36 km chính thức thông xe, giúp kết nối các huyện miền núi. Nhà thầu đã hoàn thành sớm hai tháng so với kế hoạch.",
        "hcm",
    ),
    (
        "Kỷ niệm ngày sinh Chủ tịch Hồ Chí Minh tại {A}",
        "Nhân kỷ niệm ngày sinh Chủ tịch Hồ Chí Minh, {A} tổ chức lễ dâng hương, triển lãm ảnh và hội thi tìm hiểu về cuộc đời của Bác. Nhiều trường học tham gia hưởng ứng.",
        "hcm",
    ),
    (
        "Saigon Co.op khai trương siêu thị tại {A}",
        "Saigon Co.op vừa khai trương siêu thị thứ ba tại {A}, tăng tỷ lệ hàng nông sản địa phương trên kệ. Hệ thống cho biết sẽ mở thêm cửa hàng tiện lợi ở các huyện.",
        "saigon",
    ),
    (
        "Tân Cảng Sài Gòn ký hợp tác với hãng tàu Hàn Quốc",
        "Tổng công ty Tân Cảng Sài Gòn và một hãng tàu Hàn Quốc ký thỏa thuận hợp tác khai thác tuyến container mới, dự kiến tăng 15% sản lượng hàng thông qua cảng Cát Lái.",
        "saigon",
    ),
    (
        "Báo Sài Gòn Giải Phóng trao học bổng cho sinh viên {A}",
        "Báo Sài Gòn Giải Phóng phối hợp với nhà tài trợ trao {N}0 suất học bổng cho sinh viên nghèo hiếu học ở {A}, mỗi suất trị giá 10 triệu đồng.",
        "saigon",
    ),
    (
        "Phát triển du lịch cộng đồng ở miền Tây {X}",
        "Các huyện miền Tây {X} đang phát triển du lịch cộng đồng gắn với bản làng của đồng bào dân tộc thiểu số. Tỉnh kêu gọi doanh nghiệp hợp tác xây dựng homestay và đào tạo hướng dẫn viên.",
        "mientay",
    ),
    (
        "Đầu tư hạ tầng cho vùng miền Tây {X}",
        "Vùng miền Tây {X} được bố trí thêm vốn làm đường giao thông và trường học. Đây là khu vực còn nhiều khó khăn, đời sống người dân phụ thuộc vào rừng.",
        "mientay",
    ),
    (
        "Đưa internet về vùng sâu, vùng xa {A}",
        "Viễn thông {A} phủ sóng 4G tại các ấp vùng sâu, vùng xa, giúp học sinh học trực tuyến thuận tiện hơn. Đơn vị phối hợp với chính quyền xã lắp đặt trạm phát sóng.",
        "vung",
    ),
    (
        "{A} cấp mã số vùng trồng sầu riêng",
        "Ngành nông nghiệp {A} cấp thêm {N}0 mã số vùng trồng sầu riêng phục vụ xuất khẩu chính ngạch. Nông dân được hướng dẫn ghi chép nhật ký sản xuất.",
        "vung",
    ),
    (
        "Mở rộng vùng nguyên liệu mía ở {A}",
        "Nhà máy đường ở {A} ký hợp đồng với nông dân để mở rộng vùng nguyên liệu mía lên 5.000 ha, cam kết thu mua với giá sàn.",
        "vung",
    ),
    (
        "Dịch bệnh trên tôm ở vùng nuôi {A}",
        "Một số vùng nuôi tôm ở {A} ghi nhận tôm chết rải rác do thời tiết thất thường. Chi cục Thủy sản khuyến cáo người nuôi theo dõi độ mặn và pH.",
        "vung",
    ),
    (
        "{A} ký biên bản ghi nhớ hợp tác với {FOR}",
        "{DATE}, UBND {A} và {FOR} ký biên bản ghi nhớ hợp tác trong lĩnh vực {F}. Hai bên sẽ trao đổi đoàn chuyên gia và tìm kiếm dự án hỗ trợ kỹ thuật.",
        "foreign",
    ),
    (
        "{H} và {FOR} thúc đẩy hợp tác thương mại",
        "Lãnh đạo {H} tiếp đoàn công tác của {FOR}, trao đổi về hợp tác thương mại, đầu tư và giáo dục. Hai bên thống nhất sớm tổ chức diễn đàn doanh nghiệp.",
        "foreign",
    ),
    (
        "Đại sứ quán Australia làm việc với {A} về hợp tác nông nghiệp",
        "Đoàn Đại sứ quán Australia làm việc với UBND {A} về dự án hợp tác nâng cao chất lượng giống lúa chịu mặn. Phía Australia cam kết hỗ trợ chuyên gia trong ba năm.",
        "foreign",
    ),
    (
        "{A} hợp tác với Hà Lan về quản lý nước",
        "Tỉnh {A} và các đối tác Hà Lan ký thỏa thuận hợp tác triển khai dự án quản lý nước và chống sạt lở bờ sông. Dự án dùng vốn viện trợ không hoàn lại.",
        "foreign",
    ),
    (
        "Sở Y tế và Sở Công Thương {A} phối hợp kiểm tra an toàn thực phẩm",
        "Sở Y tế phối hợp với Sở Công Thương {A} thành lập đoàn kiểm tra liên ngành về an toàn thực phẩm dịp Tết, tập trung vào các cơ sở sản xuất bánh kẹo.",
        "intra",
    ),
    (
        "Công an {A} phối hợp Quản lý thị trường xử lý hàng giả",
        "Công an {A} phối hợp với Cục Quản lý thị trường tỉnh kiểm tra ba kho hàng, tạm giữ hơn {N} nghìn sản phẩm không rõ nguồn gốc.",
        "intra",
    ),
    (
        "Huyện và xã ở {A} phối hợp giải tỏa lấn chiếm",
        "UBND huyện phối hợp với UBND các xã của {A} ra quân giải tỏa lấn chiếm hành lang an toàn giao thông trên quốc lộ, vận động người dân tháo dỡ mái che.",
        "intra",
    ),
    (
        "Giá lúa tại {D} tăng nhẹ",
        "Giá lúa tại nhiều tỉnh {D} như {A}, {B} tăng 100–200 đồng/kg so với tuần trước do nhu cầu xuất khẩu tăng. Thương lái thu mua sôi động.",
        "mention",
    ),
    (
        "Mưa lớn gây ngập nhiều tuyến đường ở {H}",
        "Cơn mưa kéo dài hơn hai giờ chiều qua khiến nhiều tuyến đường ở {H} ngập sâu, giao thông ùn tắc. Đài khí tượng dự báo mưa còn kéo dài trong tuần.",
        "mention",
    ),
    (
        "Xâm nhập mặn sớm ở {D}",
        "Đài Khí tượng Thủy văn khu vực Nam Bộ cảnh báo mặn xâm nhập sâu vào các cửa sông {D} từ giữa tháng 2, ảnh hưởng diện tích lúa đông xuân ở {A} và {B}.",
        "mention",
    ),
    (
        "{A} xuất khẩu gạo tăng mạnh",
        "Kim ngạch xuất khẩu gạo của {A} trong 9 tháng đạt hơn {N}00 triệu USD, đứng đầu các tỉnh {D}. Thị trường chính là Philippines và Indonesia.",
        "mention",
    ),
    (
        "Giải đua thuyền truyền thống tại {A}",
        "Hơn 20 đội thuyền tham gia giải đua ghe ngo truyền thống tại {A}, thu hút hàng nghìn người dân và du khách từ {H} về cổ vũ.",
        "mention",
    ),
    (
        "Khánh thành bệnh viện đa khoa {A}",
        "Bệnh viện đa khoa {A} quy mô 500 giường chính thức đi vào hoạt động, giảm tải cho các bệnh viện tuyến trên ở {H} và Cần Thơ.",
        "mention",
    ),
    (
        "Thời tiết Nam Bộ: nắng nóng gay gắt",
        "Khu vực {D} và {H} tiếp tục nắng nóng, nhiệt độ cao nhất 35–36 độ C. Người dân được khuyến cáo hạn chế ra đường buổi trưa.",
        "mention",
    ),
    (
        "Hội chợ hàng Việt tại {O}",
        "Hội chợ hàng Việt tại {O} quy tụ 300 gian hàng của doanh nghiệp trong nước. Ban tổ chức kỳ vọng doanh thu đạt 30 tỷ đồng.",
        "easy",
    ),
    (
        "{O} khởi công trường học mới",
        "{O} khởi công xây dựng trường tiểu học đạt chuẩn quốc gia với tổng vốn 80 tỷ đồng, dự kiến đưa vào sử dụng năm học tới.",
        "easy",
    ),
    (
        "Tai nạn giao thông nghiêm trọng trên quốc lộ 1",
        "Một vụ va chạm giữa xe tải và xe khách trên quốc lộ 1 khiến hai người bị thương. Cơ quan chức năng đang điều tra nguyên nhân.",
        "easy",
    ),
    (
        "Bệnh sốt xuất huyết tăng ở {O}",
        "Số ca mắc sốt xuất huyết tại {O} tăng 30% so với cùng kỳ. Ngành y tế khuyến cáo người dân diệt lăng quăng, ngủ màn.",
        "easy",
    ),
    (
        "{O} tổ chức lễ hội ẩm thực",
        "Lễ hội ẩm thực tại {O} giới thiệu hơn 100 món ăn đặc sản vùng miền, thu hút đông đảo người dân tham quan.",
        "easy",
    ),
    (
        "Kỳ thi tốt nghiệp THPT diễn ra an toàn ở {O}",
        "Hơn 40 nghìn thí sinh ở {O} hoàn thành kỳ thi tốt nghiệp THPT. Không có trường hợp vi phạm quy chế nghiêm trọng.",
        "easy",
    ),
    (
        "Giá vàng hôm nay giảm mạnh",
        "Giá vàng miếng trong nước giảm hơn 1 triệu đồng/lượng theo xu hướng thế giới. Giới đầu tư tỏ ra thận trọng.",
        "easy",
    ),
    (
        "{O} chuẩn bị Tết cho người nghèo",
        "{O} dành hơn 20 tỷ đồng tặng quà Tết cho hộ nghèo, gia đình chính sách. Các đoàn thể phối hợp tổ chức chợ Tết 0 đồng.",
        "easy",
    ),
]

# How many items each template yields: relevant ~40 % of the set.
REL_COPIES, NEG_COPIES = 3, 3


def old_tone(text: str) -> str:
    """Move tone marks to the second vowel in open oa/oe/uy syllables (hòa → hoà)."""

    def fix(m: re.Match[str]) -> str:
        first, second = unicodedata.normalize("NFD", m.group(1)), m.group(2)
        tone = first[1:]
        return first[0] + unicodedata.normalize("NFC", second + tone)

    nfd_marks = "\u0300\u0301\u0309\u0303\u0323"
    pattern = re.compile(f"(?<![qQ\\w])((?:[oO]|[uU])[{nfd_marks}])([aAeEyY])(?!\\w)")
    decomposed = unicodedata.normalize("NFD", text)
    out = pattern.sub(fix, decomposed)
    return unicodedata.normalize("NFC", out)


def no_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def variant(i: int, title: str, text: str) -> tuple[str, str]:
    kind = i % 10
    if kind == 1:
        return unicodedata.normalize("NFD", title), unicodedata.normalize("NFD", text)
    if kind == 3:
        return old_tone(title), old_tone(text)
    if kind == 5:
        return no_marks(title), no_marks(text)
    if kind == 7:
        return title.upper(), text
    if kind == 9:
        return title, text.replace(" ", "\u00a0", 3).replace("hợp tác", "hợp\u200b tác", 1).replace(
            "liên kết", "li\u00adên kết", 1
        )
    return title, text


def fill(rng: random.Random, template: str, slots: dict[str, str]) -> str:
    return template.format(**slots)


def slots_for(rng: random.Random) -> dict[str, str]:
    a, b, c = rng.sample(DELTA_OLD, 3)
    new = rng.choice(list(MERGED))
    return {
        "A": a,
        "B": b,
        "C": c,
        "H": rng.choice(HCM),
        "D": rng.choice(DELTA),
        "F": rng.choice(FIELDS),
        "F2": rng.choice(FIELDS),
        "DATE": rng.choice(DATES),
        "N": str(rng.randint(2, 9)),
        "NEW": new,
        "PARTS": MERGED[new],
        "OLD": rng.choice(DELTA_OLD),
        "X": rng.choice(NORTH),
        "FOR": rng.choice(FOREIGN),
        "O": rng.choice(OTHER),
    }


def build() -> list[dict]:
    rng = random.Random(20250701)
    rows: list[dict] = []
    for label, templates, copies in ((True, RELEVANT, REL_COPIES), (False, NEGATIVE, NEG_COPIES)):
        for t_i, tpl in enumerate(templates):
            for k in range(copies):
                slots = slots_for(rng)
                title, text = fill(rng, tpl[0], slots), fill(rng, tpl[1], slots)
                prefix = "rel" if label else f"neg-{tpl[2]}"
                rows.append(
                    {"id": f"{prefix}-{t_i:02d}-{k}", "title": title, "text": text, "label": label}
                )
    rng.shuffle(rows)
    out = []
    for i, row in enumerate(rows):
        row["title"], row["text"] = variant(i, row["title"], row["text"])
        out.append(row)
    return out


def main() -> None:
    rows = build()
    with OUT.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} rows, {sum(r['label'] for r in rows)} relevant -> {OUT}")


if __name__ == "__main__":
    main()
