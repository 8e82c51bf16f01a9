"""Generated storefront photos with Chinese shop signs, and their ground truth.

    python -m ocr signs DIR [--count 60] [--seed 5]

writes ``DIR/img/NAME.jpg`` and ``DIR/key/NAME.json`` (``name``: the store, ``sign``: what the
board says, ``vertical``, ``occluded``, ``candidates``: 20 store names of the same town, the
store's among them, most of the same kinds of shop). Each photo is a shop front drawn with Pillow:
a coloured board with the name in one of three CJK faces (hei, bold hei, kai), sometimes a small
line (hours, phone) or a sponsor's panel, sometimes an upright board beside the door; a door,
windows and goods below; then a pole or a cable across the board, a turned camera (perspective),
uneven light, blur and JPEG noise. From a seed: the same command gives the same files.
"""

from __future__ import annotations

import io
import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FACES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
)
PREFIXES = (
    "鑫盛",
    "好邻居",
    "老王",
    "金福",
    "兴隆",
    "吉祥",
    "聚源",
    "和记",
    "万家福",
    "百佳",
    "红旗",
    "互惠",
    "家家乐",
    "天天",
    "隆昌",
    "福满多",
    "永辉",
    "惠民",
    "顺发",
    "宏达",
    "金鑫",
    "华联",
    "佳佳",
    "明珠",
    "东方",
    "新世纪",
    "四季",
    "富源",
    "友谊",
    "春城",
    "蜀香",
    "锦绣",
    "长青",
    "利民",
    "旺旺",
    "如意",
    "嘉禾",
    "和平",
    "胜利",
    "阳光",
)
KINDS = ("便利店", "超市", "烟酒店", "烟酒行", "副食店", "生活超市", "商行", "名烟名酒", "酒坊", "便利超市")
SUBLINES = ("24小时营业", "烟酒 副食 日用百货", "电话 028-8" + "6", "欢迎光临", "冷饮 零食 日化")
SPONSORS = ("中国体育彩票", "可口可乐", "蜀源酒业", "清泉饮品")
BOARDS = ((196, 30, 30), (20, 70, 160), (16, 120, 60), (230, 180, 20), (245, 245, 240), (30, 30, 30), (150, 20, 90))
WIDTH, HEIGHT = 1280, 960


@dataclass
class SignTruth:
    name: str
    sign: str
    vertical: bool
    occluded: bool
    candidates: list[str]


def _face(path: str, size: int) -> ImageFont.FreeTypeFont:
    if not Path(path).exists():
        raise RuntimeError(f"font {path} missing: apt install fonts-wqy-microhei fonts-wqy-zenhei fonts-arphic-ukai")
    return ImageFont.truetype(path, size)


def store_names(rng: random.Random, n: int) -> list[str]:
    """``n`` different shop names of one town: many share a kind, some share a prefix."""
    names: list[str] = []
    while len(names) < n:
        name = rng.choice(PREFIXES) + rng.choice(KINDS)
        if name not in names:
            names.append(name)
    return names


def _text_colour(board: tuple[int, int, int]) -> tuple[int, int, int]:
    light = sum(board) / 3 > 150
    return (200, 20, 20) if light and board[0] > 200 and board[2] > 200 else (20, 20, 20) if light else (255, 240, 200)


def _fit(text: str, face_path: str, width: int, height: int, vertical: bool) -> ImageFont.FreeTypeFont:
    size = height if not vertical else width
    while size > 12:
        face = _face(face_path, size)
        if vertical:
            if size * len(text) * 1.08 <= height and size <= width * 0.9:
                return face
        elif ImageDraw.Draw(Image.new("L", (1, 1))).textlength(text, font=face) <= width and size <= height * 0.8:
            return face
        size -= 4
    return _face(face_path, 12)


def _board(rng: random.Random, text: str, size: tuple[int, int], vertical: bool) -> Image.Image:
    w, h = size
    colour = rng.choice(BOARDS)
    board = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(board)
    draw.rectangle((0, 0, w - 1, h - 1), outline=tuple(max(0, c - 60) for c in colour), width=max(3, h // 30))
    ink = _text_colour(colour)
    face_path = rng.choice(FACES)
    if vertical:
        face = _fit(text, face_path, int(w * 0.8), int(h * 0.92), True)
        step = face.size * 1.08
        y = (h - step * len(text)) / 2
        for ch in text:
            draw.text((w / 2, y + step / 2), ch, font=face, fill=ink, anchor="mm")
            y += step
        return board
    sub = rng.random() < 0.5
    name_h = int(h * (0.62 if sub else 0.8))
    face = _fit(text, face_path, int(w * 0.86), name_h, False)
    draw.text((w / 2, h * (0.4 if sub else 0.5)), text, font=face, fill=ink, anchor="mm")
    if sub:
        small = _face(FACES[0], max(12, int(h * 0.16)))
        draw.text((w / 2, h * 0.82), rng.choice(SUBLINES), font=small, fill=ink, anchor="mm")
    return board


def _front(rng: random.Random) -> Image.Image:
    wall = tuple(rng.randint(120, 220) for _ in range(3))
    scene = Image.new("RGB", (WIDTH, HEIGHT), wall)
    draw = ImageDraw.Draw(scene)
    noise = np.asarray(scene, dtype=np.int16) + np.random.default_rng(rng.randint(0, 2**31)).integers(
        -18, 18, (HEIGHT, WIDTH, 1)
    )
    scene = Image.fromarray(np.clip(noise, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(scene)
    top = int(HEIGHT * 0.36)
    door = (int(WIDTH * rng.uniform(0.35, 0.5)), top + 30, int(WIDTH * rng.uniform(0.6, 0.72)), HEIGHT)
    draw.rectangle(door, fill=(40, 45, 50))
    for x in (int(WIDTH * 0.06), int(WIDTH * 0.76)):
        draw.rectangle((x, top + 60, x + int(WIDTH * 0.18), HEIGHT - 140), fill=(90, 110, 125))
        for shelf in range(3):  # goods behind the glass
            y = top + 100 + shelf * 90
            for i in range(6):
                c = tuple(rng.randint(40, 250) for _ in range(3))
                draw.rectangle((x + 8 + i * 36, y, x + 36 + i * 36, y + 60), fill=c)
    return scene


def _perspective(rng: random.Random, image: Image.Image) -> Image.Image:
    w, h = image.size
    j = lambda s: rng.uniform(-s, s)  # noqa: E731
    dx, dy = 0.09 * w, 0.07 * h
    src = [(j(dx), j(dy)), (w + j(dx), j(dy)), (w + j(dx), h + j(dy)), (j(dx), h + j(dy))]
    dst = [(0, 0), (w, 0), (w, h), (0, h)]
    matrix = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        matrix.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        matrix.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    coeffs = np.linalg.solve(np.array(matrix, dtype=float), np.array(src, dtype=float).reshape(8))
    return image.transform(
        (w, h), Image.Transform.PERSPECTIVE, tuple(coeffs), Image.Resampling.BICUBIC, fillcolor=(70, 72, 75)
    )


def _light(rng: random.Random, image: Image.Image) -> Image.Image:
    w, h = image.size
    arr = np.asarray(image, dtype=np.float32)
    gx = np.linspace(rng.uniform(0.45, 1.1), rng.uniform(0.45, 1.1), w, dtype=np.float32)
    gy = np.linspace(rng.uniform(0.7, 1.15), rng.uniform(0.6, 1.0), h, dtype=np.float32)
    arr = arr * (gy[:, None] * gx[None, :])[:, :, None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def make_storefront(rng: random.Random, name: str) -> tuple[bytes, SignTruth]:
    """One shop front showing ``name``'s sign, as JPEG bytes, and its truth (candidates empty)."""
    scene = _front(rng)
    vertical = rng.random() < 0.2
    sign = name if rng.random() < 0.85 else name + "（" + rng.choice(("春熙路店", "二店", "总店")) + "）"
    if vertical:
        size = (int(WIDTH * 0.12), int(HEIGHT * 0.8))
        board = _board(rng, sign, size, True)
        # the shop's own wide board above stays blank-ish: a sponsor's panel
        scene.paste(
            _board(rng, rng.choice(SPONSORS), (int(WIDTH * 0.6), int(HEIGHT * 0.16)), False), (int(WIDTH * 0.3), 40)
        )
        at = (int(WIDTH * 0.05), int(HEIGHT * 0.12))
    else:
        size = (int(WIDTH * rng.uniform(0.7, 0.94)), int(HEIGHT * rng.uniform(0.17, 0.26)))
        board = _board(rng, sign, size, False)
        at = ((WIDTH - size[0]) // 2, int(HEIGHT * rng.uniform(0.05, 0.1)))
        if rng.random() < 0.3:  # a sponsor's small panel at the board's end
            panel = _board(rng, rng.choice(SPONSORS), (int(size[0] * 0.22), int(size[1] * 0.5)), False)
            board.paste(panel, (size[0] - panel.width - 8, 8))
    scene.paste(board, at)
    draw = ImageDraw.Draw(scene)
    occluded = rng.random() < 0.35
    if occluded:  # a pole, or a cable, across the board (never more than part of one character)
        if vertical or rng.random() < 0.6:
            x = at[0] + rng.randint(int(0.15 * board.width), int(0.85 * board.width))
            draw.rectangle((x, 0, x + rng.randint(10, 22), HEIGHT), fill=(60, 60, 58))
        else:
            y = at[1] + rng.randint(int(0.2 * board.height), int(0.8 * board.height))
            draw.line((0, y, WIDTH, y + rng.randint(-40, 40)), fill=(25, 25, 25), width=rng.randint(3, 6))
    image = _light(rng, _perspective(rng, scene))
    if rng.random() < 0.4:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.6)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=rng.randint(60, 88))
    return out.getvalue(), SignTruth(name, sign, vertical, occluded, [])


def write_signs(root: Path, *, count: int = 60, seed: int = 5, candidates: int = 20) -> None:
    """``count`` storefront photos under ``root/img`` with their truth under ``root/key``."""
    rng = random.Random(seed)
    (root / "img").mkdir(parents=True, exist_ok=True)
    (root / "key").mkdir(parents=True, exist_ok=True)
    for i in range(count):
        town = store_names(rng, candidates)
        data, truth = make_storefront(rng, town[0])
        truth.candidates = sorted(town)
        (root / "img" / f"sign{i:03d}.jpg").write_bytes(data)
        (root / "key" / f"sign{i:03d}.json").write_text(
            json.dumps(asdict(truth), ensure_ascii=False, indent=1), encoding="utf-8"
        )
