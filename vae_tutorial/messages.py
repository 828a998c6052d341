"""Wording shared by error messages and reports."""

from __future__ import annotations


def first_few(names, k: int = 5, sep: str = ", ") -> str:
    """The first ``k`` of ``names`` for a message, then how many more there are."""
    names = [str(name) for name in names]
    more = f" and {len(names) - k:,} more" if len(names) > k else ""
    return sep.join(names[:k]) + more
