"""Show and episode artwork: Apple's rules (square, 1400-3000 px, JPEG or PNG, RGB) and a default cover.

A feed without artwork gets a clean cover drawn from its title with Pillow: a dark field, the
title in large type, and a thin accent rule; its colour comes from a digest of the title, so two
feeds look different and the same feed always gets the same image.

An episode's artwork is the article's lead image made square (a nearly square picture is cropped to its
centre, a wide or tall one is padded with its own average colour; never stretched) and scaled into Apple's
range, or, when the image cannot be had or read safely, a cover drawn from the episode's title. Anything
suspicious (too many bytes or pixels, a decompression bomb, SVG or another non-raster format) is refused
before Pillow decodes a pixel.
"""

from __future__ import annotations

import hashlib
import io
import textwrap

from narrate.errors import NarrateError

ARTWORK_MIN = 1400
ARTWORK_MAX = 3000
DEFAULT_SIZE = 1400
MAX_IMAGE_BYTES = 15_000_000
"""A lead image larger than this is not fetched or read."""
MAX_IMAGE_PIXELS = 40_000_000
"""Nor one with more pixels than this (checked from the header, before decoding)."""
MIN_LEAD_SIDE = 600
"""A lead image whose short side is smaller would be blurry at 1400 px: the drawn cover is used instead."""
CROP_RATIO = 1.34
"""Up to this aspect ratio (4:3) a picture is cropped to a centred square; beyond it, padded."""
EPISODE_JPEG_QUALITY = 88


class ArtworkError(ValueError):
    """A lead image that cannot be made into artwork; the message says why."""


def square_artwork(data: bytes) -> tuple[bytes, str]:
    """A lead image made into a square JPEG (PNG when it has transparency is flattened first) within
    1400-3000 px: the image bytes and their MIME type. ArtworkError for anything that is not a safe raster
    JPEG, PNG, GIF or WebP of a sensible size."""
    import warnings

    from PIL import Image, ImageOps

    if len(data) > MAX_IMAGE_BYTES:
        raise ArtworkError(f"{len(data):,} bytes; images over {MAX_IMAGE_BYTES:,} are not read")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            opened = Image.open(io.BytesIO(data), formats=("JPEG", "PNG", "GIF", "WEBP"))
            width, height = opened.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ArtworkError(f"{width}x{height} px; images over {MAX_IMAGE_PIXELS:,} pixels are not read")
            if min(width, height) < MIN_LEAD_SIDE:
                raise ArtworkError(f"{width}x{height} px; too small for {ARTWORK_MIN} px artwork")
            image = ImageOps.exif_transpose(opened)
            image.load()
        except ArtworkError:
            raise
        except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError,
                Image.DecompressionBombWarning) as error:
            raise ArtworkError(f"not a JPEG, PNG, GIF or WebP image that can be read safely ({error})") from None
    if image.mode in ("RGBA", "LA", "P", "PA"):
        image = image.convert("RGBA")
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    image = image.convert("RGB")
    width, height = image.size
    if max(width, height) / min(width, height) <= CROP_RATIO:
        side = min(width, height)
        left, top = (width - side) // 2, (height - side) // 2
        square = image.crop((left, top, left + side, top + side))
    else:
        side = max(width, height)
        fill = tuple(round(v) for v in image.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0)))  # type: ignore[union-attr]
        square = Image.new("RGB", (side, side), fill)
        square.paste(image, ((side - width) // 2, (side - height) // 2))
    target = min(max(side, ARTWORK_MIN), ARTWORK_MAX)
    if target != side:
        square = square.resize((target, target), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    square.save(out, format="JPEG", quality=EPISODE_JPEG_QUALITY, optimize=True, dpi=(72, 72))
    return out.getvalue(), "image/jpeg"


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


def episode_artwork(title: str, image: str | None, *, allow_private: bool = False,
                    timeout: float = 15) -> tuple[bytes, str, str | None]:
    """An episode's artwork: its bytes, MIME type, and a warning when the lead image ``image`` (an http(s) URL,
    fetched with the same guards as articles, or a file) was refused and a cover was drawn from ``title``."""
    warning = None
    if image:
        try:
            data, mime = square_artwork(_lead_image_bytes(image, allow_private=allow_private, timeout=timeout))
            return data, mime, None
        except (NarrateError, OSError, ValueError, MemoryError) as error:  # ArtworkError is a ValueError; Pillow
            # raises OSError or ValueError for images it cannot convert (16-bit, odd modes)
            warning = f"lead image {image}: {error}; the episode's artwork is drawn from its title instead"
    return default_artwork(title), "image/png", warning


def _lead_image_bytes(image: str, *, allow_private: bool, timeout: float) -> bytes:
    if image.startswith(("http://", "https://")):
        from narrate.sources.fetch import fetch_bytes

        _, content_type, data = fetch_bytes(image, allow_private=allow_private, timeout=timeout,
                                            max_bytes=MAX_IMAGE_BYTES, accept="image/jpeg,image/png,image/*;q=0.8")
        if content_type and not content_type.lower().startswith("image/"):
            raise ArtworkError(f"served as {content_type.split(';')[0]}, not an image")
        return data
    from pathlib import Path

    path = Path(image)
    if path.stat().st_size > MAX_IMAGE_BYTES:
        raise ArtworkError(f"larger than {MAX_IMAGE_BYTES:,} bytes")
    return path.read_bytes()
