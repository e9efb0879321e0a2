"""What a section heading says about the role of the text under it; shared by every reader.

Rules are data: a pattern per role, matched against the whole heading, case-insensitively.
"""

from __future__ import annotations

import re

from narrate.model import Role

HEADING_ROLES: tuple[tuple[re.Pattern[str], Role], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), role)
    for pattern, role in (
        (r"(synopsis|summary|in brief|at a glance|standfirst|overview)", Role.SYNOPSIS),
        (r"(key )?(takeaways?|highlights|key points|what to know|the big picture)", Role.TAKEAWAYS),
        (r"(point of view|our view|analysis|opinion|editorial|perspective|commentary|why it matters)",
         Role.POINT_OF_VIEW),
        (r"(frequently asked questions|faqs?|questions and answers|q ?& ?a)", Role.FAQ_QUESTION),
    )
)


def role_for_heading(heading: str) -> Role | None:
    """The role of the section a heading opens, or None for an ordinary (body) sub-heading."""
    text = heading.strip().rstrip(":").strip()
    for pattern, role in HEADING_ROLES:
        if pattern.fullmatch(text):
            return role
    return None
