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


# Headings over page furniture rather than the article: what follows them, up to the next heading
# of the same or a higher level, is not read.
BOILERPLATE_HEADINGS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"related( (stories|articles|news|content|coverage|links|posts|reading|topics))?",
        r"(read|see) (more|also)( on .*| from .*| stories)?",
        r"more (stories|news|articles|from .*|on .*|in .*)",
        r"(recommended|suggested)( for you| stories| articles| reading)?",
        r"you (may|might) (also )?(like|be interested in)",
        r"(most (read|popular|viewed|shared))( stories| articles)?( this week| today)?",
        r"(trending|top stories|latest news|latest|editor'?s picks|don'?t miss)( now)?",
        r"(sign up|subscribe)\b.*|.*\bnewsletters?\b.*",
        r"share (this|the) (article|story|page)|share",
        r"(comments?|leave a (comment|reply)|join the (conversation|discussion))",
        r"(tags|topics|filed under)",
        r"(advertisement|sponsored|partner content)",
    )
)


def is_boilerplate_heading(heading: str) -> bool:
    """True for a heading over related links, newsletter boxes, comments and the like."""
    text = heading.strip().rstrip(":").strip()
    return any(pattern.fullmatch(text) for pattern in BOILERPLATE_HEADINGS)
