"""Read the text out of a Dash component tree (or its JSON, as a cached view holds it),
for assertions."""

from __future__ import annotations

from typing import Any


def texts(node: Any) -> list[str]:
    """Every non-empty string in the tree, depth first, one per leaf."""
    out: list[str] = []

    def walk(n: Any) -> None:
        if n is None:
            return
        if isinstance(n, str):
            if n.strip():
                out.append(n)
            return
        if isinstance(n, int | float):
            out.append(str(n))
            return
        if isinstance(n, list | tuple):
            for c in n:
                walk(c)
            return
        if isinstance(n, dict):  # a cached view: the tree as Dash sends it
            walk(n.get("props", {}).get("children"))
            return
        walk(getattr(n, "children", None))

    walk(node)
    return out
