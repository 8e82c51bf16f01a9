"""Draw the PWA's PNG icons (regular and maskable) with Pillow.

Run after changing the design: ``python scripts/make_icons.py``. The maskable icon keeps
the pin inside the central 80% safe zone that launchers crop to.
"""

from pathlib import Path

from PIL import Image, ImageDraw

BRAND = (11, 110, 79, 255)
OUT = Path(__file__).resolve().parent.parent / "pwa" / "icons"


def draw(size: int, *, maskable: bool) -> Image.Image:
    scale = 4  # draw large, then downsample for smooth edges
    s = size * scale
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if maskable:
        d.rectangle([0, 0, s, s], fill=BRAND)
    else:
        d.rounded_rectangle([0, 0, s - 1, s - 1], radius=int(s * 0.19), fill=BRAND)
    k = 0.72 if maskable else 1.0  # shrink the pin into the safe zone
    cx, cy = s / 2, s / 2

    def p(x: float, y: float) -> tuple[float, float]:
        return (cx + (x - 256) * s / 512 * k, cy + (y - 256) * s / 512 * k)

    r = 130 * s / 512 * k
    head = p(256, 220)
    d.ellipse([head[0] - r, head[1] - r, head[0] + r, head[1] + r], fill="white")
    d.polygon([p(140, 275), p(372, 275), p(256, 420)], fill="white")
    w = int(30 * s / 512 * k)
    d.line([p(204, 222), p(240, 258), p(310, 184)], fill=BRAND, width=w, joint="curve")
    # Two colours and their anti-aliased edges fit a small palette: a fraction of the bytes.
    return img.resize((size, size), Image.LANCZOS).quantize(colors=32, method=Image.Quantize.FASTOCTREE)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    draw(192, maskable=False).save(OUT / "icon-192.png", optimize=True)
    draw(512, maskable=False).save(OUT / "icon-512.png", optimize=True)
    draw(512, maskable=True).save(OUT / "maskable-512.png", optimize=True)
    print("icons written to", OUT)
