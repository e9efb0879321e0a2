"""Show artwork: Apple's rules."""

from __future__ import annotations

from pathlib import Path

from narrate.publish.artwork import artwork_problems


def test_artwork_rules(tmp_path: Path) -> None:
    import io

    from PIL import Image

    def image(mode: str, size: tuple[int, int], kind: str) -> bytes:
        out = io.BytesIO()
        Image.new(mode, size).save(out, format=kind)
        return out.getvalue()

    assert artwork_problems(image("RGB", (1400, 1400), "JPEG"), "cover.jpg") == []
    assert "not square" in " ".join(artwork_problems(image("RGB", (1400, 1500), "PNG"), "cover.png"))
    assert "1400-3000 px" in " ".join(artwork_problems(image("RGB", (600, 600), "PNG"), "cover.png"))
    assert "RGB" in " ".join(artwork_problems(image("CMYK", (1400, 1400), "JPEG"), "cover.jpg"))
    assert "extension .png" in " ".join(artwork_problems(image("RGB", (1400, 1400), "PNG"), "cover.jpg"))
