"""Plotly figures as plain JSON: the few calls of plotly's ``Figure`` the report's charts use.

plotly's ``Figure`` checks every property against plotly.js's schema as it is built, and expands
the template name into a validated template object; for the report's three or four small bar
charts that is about a third of a second of CPU on every ``eval``. These charts are written by
this project, not by users, so they are built as the JSON plotly.js reads and handed to
``plotly.io.to_html`` unvalidated; the page is the same.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


class FigureJSON:
    """``layout`` plus traces added with :meth:`add_bar`, written by :meth:`to_html`."""

    def __init__(self, layout: dict[str, Any]) -> None:
        self.layout = dict(layout)
        self.data: list[dict[str, Any]] = []

    def add_bar(self, **trace: Any) -> None:
        self.data.append({"type": "bar", **trace})

    def add_annotation(self, **annotation: Any) -> None:
        self.layout.setdefault("annotations", []).append(annotation)

    def to_html(self, **options: Any) -> str:
        """``plotly.io.to_html`` of this figure (``options`` as there: ``full_html``, ``div_id``...)."""
        import plotly.io as pio

        layout = dict(self.layout)
        if isinstance(layout.get("template"), str):
            layout["template"] = template(layout["template"])
        return pio.to_html({"data": self.data, "layout": layout}, validate=False, **options)


def template(name: str) -> dict[str, Any]:
    """plotly's named template (``plotly_white``) as JSON, read from plotly's package data."""
    try:
        path = resources.files("plotly") / "package_data" / "templates" / f"{name}.json"
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ModuleNotFoundError):  # another plotly layout: ask plotly
        import plotly.io as pio

        return pio.templates[name].to_plotly_json()
