"""Show artwork: Apple's rules (square, 1400-3000 px, JPEG or PNG, RGB) and a default cover.

A feed without artwork gets a clean cover drawn from its title with Pillow: a dark field, the
title in large type, and a thin accent rule; its colour comes from a digest of the title, so two
feeds look different and the same feed always gets the same image.
"""

from __future__ import annotations

import hashlib
import io
import textwrap

ARTWORK_MIN = 1400
ARTWORK_MAX = 3000
DEFAULT_SIZE = 1400


def artwork_problems(data: bytes, file_name: str) -> list[str]:
    """Why Apple would reject this artwork; empty when it is fine."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        return [f"{file_name}: not an image"]
    problems: list[str] = []
    kind = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",)}.get(image.format or "")
    if kind is None:
        problems.append(f"{file_name}: {image.format} image; Apple takes JPEG or PNG")
    elif not file_name.lower().endswith(kind):
        problems.append(f"{file_name}: a {image.format} image needs the extension {kind[0]}")
    width, height = image.size
    if width != height:
        problems.append(f"{file_name}: {width}x{height} is not square")
    if not min(width, height) >= ARTWORK_MIN or max(width, height) > ARTWORK_MAX:
        problems.append(f"{file_name}: {width}x{height}; Apple takes {ARTWORK_MIN}-{ARTWORK_MAX} px")
    if image.mode not in ("RGB", "RGBA" if image.format == "PNG" else "RGB"):
        problems.append(f"{file_name}: colour mode {image.mode}; Apple takes RGB")
    return problems


def default_artwork(title: str, size: int = DEFAULT_SIZE) -> bytes:
    """A square RGB PNG cover showing ``title``."""
    from PIL import Image, ImageDraw, ImageFont

    digest = hashlib.sha256(title.encode()).digest()
    hue = digest[0] / 255
    background = _hsv(hue, 0.55, 0.22)
    accent = _hsv((hue + 0.08) % 1.0, 0.65, 0.95)
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    margin = size // 10
    width = size - 2 * margin
    font_size = size // 8
    while True:
        font = ImageFont.load_default(size=font_size)
        lines = _wrap(title, font, width)
        line_height = round(font_size * 1.15)
        if (len(lines) * line_height <= size - 4 * margin) or font_size <= size // 30:
            break
        font_size = round(font_size * 0.9)
    top = (size - len(lines) * line_height) // 2
    draw.rectangle((margin, top - size // 20 - size // 80, margin + size // 5, top - size // 20), fill=accent)
    for index, line in enumerate(lines):
        draw.text((margin, top + index * line_height), line, font=font, fill=(245, 245, 240))
    small = ImageFont.load_default(size=size // 28)
    draw.text((margin, size - margin), "narrated podcast", font=small, fill=accent, anchor="ls")
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(72, 72), optimize=True)
    return out.getvalue()


def _wrap(text: str, font: object, width: int) -> list[str]:
    """Greedy word wrap by measured text width."""
    words = text.split() or [text]
    lines: list[str] = []
    for word in words:
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and font.getlength(candidate) <= width:  # type: ignore[attr-defined]
            lines[-1] = candidate
        else:
            lines.append(word if font.getlength(word) <= width  # type: ignore[attr-defined]
                         else textwrap.shorten(word, 30, placeholder="…"))
    return lines


def _hsv(hue: float, saturation: float, value: float) -> tuple[int, int, int]:
    import colorsys

    red, green, blue = colorsys.hsv_to_rgb(hue, saturation, value)
    return round(red * 255), round(green * 255), round(blue * 255)
