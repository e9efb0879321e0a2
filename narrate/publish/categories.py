"""Apple Podcasts' category list, kept as data (``narrate/data/apple-categories.json``)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def apple_categories() -> dict[str, tuple[str, ...]]:
    """Category -> its subcategories, as Apple spells them."""
    text = resources.files("narrate").joinpath("data/apple-categories.json").read_text(encoding="utf-8")
    data: dict[str, list[str]] = json.loads(text)
    return {name: tuple(subs) for name, subs in data.items() if not name.startswith("_")}


def category_problem(category: str, subcategory: str | None) -> str | None:
    """Why Apple would reject this category pair, or None when it is valid."""
    categories = apple_categories()
    if category not in categories:
        return f"'{category}' is not an Apple Podcasts category (one of: {', '.join(categories)})"
    if subcategory is not None and subcategory not in categories[category]:
        allowed = ", ".join(categories[category]) or "none"
        return f"'{subcategory}' is not a subcategory of '{category}' (allowed: {allowed})"
    return None
