"""Generated test data with ground truth: Chinese receipts photographed on a table, and store
photos carrying a watermark — ours (the band ``camera.js`` burns in) or a third-party
watermark camera's (large time, date and weekday, a location line).

    python -m ocr synth DIR [--receipts 40] [--photos 12] [--seed 7]

writes ``DIR/img/NAME.jpg`` and ``DIR/key/NAME.json`` (the SROIE layout ``bench/ocr_receipts.py``
reads) for receipts, and ``DIR/photos/NAME.jpg`` + ``.json`` for watermarked photos. Everything is
drawn with Pillow and a CJK font, from a seed, so the same command gives the same files.
"""

from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
WEEKDAYS = "一二三四五六日"
SHOP_WORDS = ("好又多", "红旗", "舞东风", "互惠", "家家乐", "万家福", "百佳", "金福", "兴隆", "吉祥", "聚源", "和记")
SHOP_KINDS = ("超市", "便利店", "烟酒店", "生活超市", "副食店", "名烟名酒", "购物广场", "酒坊")
STREETS = ("人民路", "建设路", "解放路", "春熙路", "红星路", "蜀都大道", "一环路", "府河路", "长顺街", "玉林路")
DISTRICTS = ("成都市锦江区", "成都市青羊区", "成都市武侯区", "绵阳市涪城区", "德阳市旌阳区")
ITEMS = (
    ("蜀源浓香型白酒52度", Decimal("68.00")),
    ("蜀源酱香型白酒53度", Decimal("198.00")),
    ("蜀源光瓶酒42度", Decimal("19.90")),
    ("清泉矿泉水550ml", Decimal("2.00")),
    ("清泉柠檬茶500ml", Decimal("4.50")),
    ("清泉凉茶310ml", Decimal("3.80")),
    ("清泉苏打水400ml", Decimal("3.50")),
    ("清泉鲜橙汁1L", Decimal("12.80")),
    ("清泉能量饮料250ml", Decimal("6.00")),
    ("蜀源礼盒装2x500ml", Decimal("398.00")),
)


def font(size: int) -> ImageFont.FreeTypeFont:
    for path in FONT_PATHS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    raise RuntimeError("no CJK font found: apt install fonts-wqy-microhei")


@dataclass
class ReceiptTruth:
    company: str
    date: str  # as printed
    iso_date: str
    total: str
    layout: str


def _shop(rng: random.Random) -> str:
    name = rng.choice(SHOP_WORDS) + rng.choice(SHOP_KINDS)
    if rng.random() < 0.35:
        name += f"({rng.choice(STREETS)}店)"
    return name


def _printed_date(rng: random.Random, day: datetime) -> str:
    style = rng.randrange(4)
    if style == 0:
        return f"{day.year}年{day.month}月{day.day}日"
    if style == 1:
        return day.strftime("%Y-%m-%d")
    if style == 2:
        return day.strftime("%Y/%m/%d")
    return day.strftime("%d/%m/%Y")


def _money(value: Decimal, rng: random.Random) -> str:
    return f"{value:,.2f}" if value >= 1000 and rng.random() < 0.7 else f"{value:.2f}"


def draw_receipt(
    rng: random.Random, *, company: str | None = None, day: datetime | None = None
) -> tuple[Image.Image, ReceiptTruth]:
    """A receipt as printed (white paper, black print), before it is photographed; a random shop
    and day unless given."""
    company = company or _shop(rng)
    day = day or datetime(2026, 1, 1) + timedelta(days=rng.randrange(320), minutes=rng.randrange(8 * 60, 22 * 60))
    printed = _printed_date(rng, day)
    lines: list[tuple[str, str, int]] = []  # (left, right, size)
    body = 26
    lines.append((company, "", 38))
    lines.append((f"地址:{rng.choice(DISTRICTS)}{rng.choice(STREETS)}{rng.randint(1, 300)}号", "", 22))
    lines.append((f"电话:028-{rng.randint(80000000, 89999999)}", "", 22))
    lines.append((f"单号:{rng.randint(10**9, 10**10 - 1)}", f"收银员:{rng.randint(1, 9):02d}", 22))
    lines.append((f"日期:{printed} {day:%H:%M}", "", body))
    lines.append(("-" * 34, "", 22))
    lines.append(("商品名称   数量", "金额", body))
    subtotal = Decimal("0")
    for name, price in rng.sample(ITEMS, rng.randint(1, 5)):
        qty = rng.randint(1, 6)
        amount = price * qty
        subtotal += amount
        lines.append((f"{name} x{qty}", f"{amount:.2f}", body))
    lines.append(("-" * 34, "", 22))
    layout = rng.choice(("cash", "discount", "wechat"))
    if layout == "cash":
        total = subtotal
        cash = (total / 50).to_integral_value(rounding="ROUND_CEILING") * 50
        lines += [("合计:", f"¥{_money(total, rng)}", 30), ("现金:", f"¥{_money(cash, rng)}", body)]
        lines.append(("找零:", f"¥{cash - total:.2f}", body))
    elif layout == "discount":
        discount = (subtotal * Decimal(rng.choice(("0.05", "0.1")))).quantize(Decimal("0.1"))
        total = subtotal - discount
        lines += [("合计:", f"¥{_money(subtotal, rng)}", body), ("优惠:", f"-{discount:.2f}", body)]
        lines += [("应付:", f"¥{_money(total, rng)}", 30), ("支付宝:", f"¥{_money(total, rng)}", body)]
    else:
        total = subtotal
        lines += [("总计:", f"{_money(total, rng)}元", 30), ("微信支付:", f"{_money(total, rng)}元", body)]
    lines.append(("", "", 12))
    lines.append(("谢谢惠顾 欢迎再次光临", "", 22))
    width = 620
    height = 60 + sum(size + 16 for _, _, size in lines)
    paper = Image.new("L", (width, height), 250)
    draw = ImageDraw.Draw(paper)
    y = 36
    for left, right, size in lines:
        face = font(size)
        if size >= 34:  # the shop's name, centred
            w = draw.textlength(left, font=face)
            draw.text(((width - w) / 2, y), left, font=face, fill=15)
        else:
            draw.text((34, y), left, font=face, fill=20)
            if right:
                w = draw.textlength(right, font=face)
                draw.text((width - 34 - w, y), right, font=face, fill=20)
        y += size + 16
    truth = ReceiptTruth(company, printed, day.date().isoformat(), f"{total:.2f}", layout)
    return paper, truth


def _table(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    w, h = size
    base = np.array([rng.randint(70, 130), rng.randint(50, 100), rng.randint(30, 80)], dtype=np.float32)
    grain = np.sin(np.linspace(0, rng.uniform(20, 60), w))[None, :, None] * 12
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, 6, (h, w, 1))
    pixels = np.clip(base[None, None, :] + grain + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels, "RGB")


def photograph(paper: Image.Image, rng: random.Random) -> tuple[bytes, int]:
    """The receipt as a phone photographs it: on a table, a little turned, soft, unevenly lit,
    JPEG; sometimes stored sideways with an EXIF orientation tag. Returns (jpeg, orientation)."""
    angle = rng.uniform(-3.5, 3.5)
    sheet = paper.convert("RGB").rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(0, 0, 0))
    mask = Image.new("L", paper.size, 255).rotate(angle, expand=True, fillcolor=0)
    w, h = sheet.size
    canvas = _table(rng, (int(w * rng.uniform(1.15, 1.4)), int(h * rng.uniform(1.08, 1.2))))
    canvas.paste(sheet, (rng.randint(10, canvas.width - w - 10), rng.randint(10, canvas.height - h - 10)), mask)
    # light falling off towards one corner
    gx = np.linspace(1.0, rng.uniform(0.75, 0.95), canvas.width)[None, :, None]
    shaded = np.clip(np.asarray(canvas, dtype=np.float32) * gx, 0, 255).astype(np.uint8)
    canvas = Image.fromarray(shaded).filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.8)))
    orientation = 1
    if rng.random() < 0.25:  # the phone stores the pixels sideways and says so in EXIF
        canvas = canvas.transpose(Image.Transpose.ROTATE_90)
        orientation = 6
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = orientation
    canvas.save(out, "JPEG", quality=rng.randint(72, 88), exif=exif.tobytes())
    return out.getvalue(), orientation


# --- store photos with watermarks --------------------------------------------------------------


@dataclass
class PhotoTruth:
    store: str
    time: str  # local wall time, ISO
    style: str  # "fieldvisit" or "timestamp-camera"
    address: str


def storefront(rng: random.Random, name: str, *, view: float = 0.0, light: float = 1.0) -> Image.Image:
    """A storefront drawn from its name's seed: the same store looks the same from every
    ``view`` (a sideways shift of the camera, 0..1) and ``light``; another store looks different.
    Each photo also has its own distance, tilt, passers-by and goods in the window, as two
    visits' photos of one shop do."""
    look = random.Random(name)
    w, h = 1280, 960
    scene = Image.new("RGB", (w * 2, h), (look.randint(120, 200), look.randint(160, 220), 235))
    draw = ImageDraw.Draw(scene)
    wall = (look.randint(90, 220), look.randint(80, 200), look.randint(60, 180))
    draw.rectangle((0, 180, w * 2, h), fill=wall)
    draw.rectangle((0, 760, w * 2, h), fill=(look.randint(60, 110),) * 3)  # pavement
    sign = (look.randint(150, 230), look.randint(0, 60), look.randint(0, 60))
    draw.rectangle((300, 220, 1700, 380), fill=sign)
    draw.text((360, 240), name, font=font(110), fill=(255, 240, 200))
    for i in range(look.randint(4, 8)):  # windows, with what is on the shelves today
        x = 320 + i * 180
        draw.rectangle((x, 430, x + 140, 700), fill=(look.randint(20, 80), look.randint(40, 90), look.randint(60, 120)))
        for j in range(4):
            draw.rectangle((x + 10, 450 + j * 60, x + 130, 480 + j * 60), fill=(rng.randint(60, 255),) * 3)
    draw.rectangle((1500, 430, 1640, 760), fill=(40, 30, 20))  # door
    for _ in range(rng.randint(1, 4)):  # passers-by, a scooter, boxes by the door
        x, y = rng.randint(0, w * 2 - 200), rng.randint(450, 700)
        colour = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
        draw.ellipse((x, y, x + rng.randint(80, 220), y + rng.randint(150, 420)), fill=colour)
    zoom = rng.uniform(0.85, 1.0)
    cw, ch = round(w * zoom), round(h * zoom)
    left = int(view * w) + rng.randint(0, w - cw)
    top = rng.randint(0, h - ch)
    photo = scene.crop((left, top, left + cw, top + ch)).rotate(rng.uniform(-2, 2), resample=Image.Resampling.BILINEAR)
    photo = photo.resize((w, h), Image.Resampling.BILINEAR)
    pixels = np.asarray(photo, dtype=np.float32) * light
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, 5, pixels.shape)
    return Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))


def burn_fieldvisit(photo: Image.Image, lines: list[str]) -> Image.Image:
    """The band ``pwa/js/camera.js`` burns in: translucent black, white lines, size h/32."""
    w, h = photo.size
    size = max(14, round(h / 32))
    band = round(size * (len(lines) + 0.8))
    overlay = Image.new("RGBA", photo.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    draw.rectangle((0, h - band, w, h), fill=(0, 0, 0, 140))
    face = font(size)
    for i, line in enumerate(lines):
        draw.text((size * 0.6, h - band + size * (i + 1.1) - size * 0.85), line, font=face, fill=(255, 255, 255, 255))
    return Image.alpha_composite(photo.convert("RGBA"), overlay).convert("RGB")


def burn_timestamp_camera(photo: Image.Image, when: datetime, place: str) -> Image.Image:
    """A third-party watermark camera's layout: large ``14:03``, a bar, the date and weekday,
    and a location line under it, white with a shadow, bottom left, no band."""
    w, h = photo.size
    draw = ImageDraw.Draw(photo)
    big, small = font(round(h / 9)), font(round(h / 26))
    x, y = round(w * 0.04), round(h * 0.66)

    def shadowed(xy: tuple[float, float], text: str, face: ImageFont.FreeTypeFont) -> None:
        draw.text((xy[0] + 2, xy[1] + 2), text, font=face, fill=(0, 0, 0))
        draw.text(xy, text, font=face, fill=(255, 255, 255))

    shadowed((x, y), f"{when:%H:%M}", big)
    bar_x = x + draw.textlength(f"{when:%H:%M}", font=big) + 18
    draw.rectangle((bar_x, y + 18, bar_x + 6, y + h / 9), fill=(250, 200, 0))
    shadowed((bar_x + 22, y + 16), f"{when:%Y-%m-%d}", small)
    shadowed((bar_x + 22, y + 22 + h / 26), f"星期{WEEKDAYS[when.weekday()]}", small)
    shadowed((x, y + h / 9 + 30), place, small)
    return photo


def make_photo(rng: random.Random, *, style: str, store: str, when: datetime, address: str) -> Image.Image:
    photo = storefront(rng, store, view=rng.uniform(0.0, 0.15), light=rng.uniform(0.8, 1.1))
    if style == "fieldvisit":
        lines = [
            store,
            f"{when:%Y/%m/%d %H:%M:%S}",
            f"GPS 30.{rng.randint(10000, 99999)}, 104.{rng.randint(10000, 99999)} ±12m",
            "王伟",
        ]
        return burn_fieldvisit(photo, lines)
    return burn_timestamp_camera(photo, when, f"{address}·{store}")


def _jpeg(image: Image.Image, quality: int = 85) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def write_dataset(root: Path, *, receipts: int = 40, photos: int = 12, seed: int = 7) -> None:
    rng = random.Random(seed)
    (root / "img").mkdir(parents=True, exist_ok=True)
    (root / "key").mkdir(parents=True, exist_ok=True)
    for i in range(receipts):
        paper, truth = draw_receipt(rng)
        data, orientation = photograph(paper, rng)
        (root / "img" / f"zh{i:03d}.jpg").write_bytes(data)
        key: dict[str, object] = {
            "company": truth.company,
            "date": truth.date,
            "iso_date": truth.iso_date,
            "total": truth.total,
        }
        key |= {"layout": truth.layout, "exif_orientation": orientation}
        (root / "key" / f"zh{i:03d}.json").write_text(json.dumps(key, ensure_ascii=False, indent=1), encoding="utf-8")
    if photos:
        (root / "photos").mkdir(parents=True, exist_ok=True)
    for i in range(photos):
        store, address = _shop(rng), f"{rng.choice(DISTRICTS)}{rng.choice(STREETS)}{rng.randint(1, 300)}号"
        when = datetime(2026, 1, 1, 8) + timedelta(days=rng.randrange(320), minutes=rng.randrange(12 * 60))
        style = ("fieldvisit", "timestamp-camera")[i % 2]
        image = make_photo(rng, style=style, store=store, when=when, address=address)
        (root / "photos" / f"wm{i:03d}.jpg").write_bytes(_jpeg(image))
        truth_photo = PhotoTruth(store, when.isoformat(timespec="minutes"), style, address)
        (root / "photos" / f"wm{i:03d}.json").write_text(
            json.dumps(truth_photo.__dict__, ensure_ascii=False), encoding="utf-8"
        )
