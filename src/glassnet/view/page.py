"""Assemble the glass view's self-contained HTML page from a JSON document.

The page inlines the ES module (``static/glassview.js``), the stylesheet
(``static/glassview.css``) and the document, so it opens offline by double-click. The same
module runs in ``glassnet view``'s live page (``live`` names its endpoint and token) and in the
notebook widget; here it only gets its data and, for the live page, where to send edits.
"""

from __future__ import annotations

import html
import json
import math
import os
from importlib import resources
from pathlib import Path
from typing import Any

STATIC = "static"


def asset(name: str) -> str:
    """The text of a file shipped in ``glassnet/view/static``."""
    return resources.files(__package__).joinpath(STATIC, name).read_text(encoding="utf-8")


def finite(value: Any) -> Any:
    """``value`` with every NaN or infinity as None: browsers' ``JSON.parse`` rejects them."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value


def to_json(document: Any) -> str:
    """Strict JSON (NaN and infinities as null), safe inside a ``<script>`` element."""
    try:
        text = json.dumps(document, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    except ValueError:  # a non-finite number somewhere: the slower walk replaces them
        text = json.dumps(
            finite(document), allow_nan=False, ensure_ascii=False, separators=(",", ":")
        )
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def page_document(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` as the page needs it: matrix names of weights (``layer[0].weights[i, j]``)
    follow from their indices, so their table (a third of a large model's document) is left out.
    """
    if document.get("names") == "matrix":
        return {**document, "weight_names": {}}
    return document


def build_page(
    document: dict[str, Any], title: str = "glassnet", live: dict[str, Any] | None = None
) -> str:
    """The whole page as one string.

    Parameters
    ----------
    document : dict
        A trace's ``to_dict()`` (what :meth:`glassnet.Trace.to_dict` returns), possibly with
        the live session's additions (``labels``, ``data``, ``surface``, ``curve``).
    live : dict, optional
        ``{"endpoint": "/api", "token": "..."}`` for a page served by ``glassnet view``;
        None for a static page, where editing is off.
    """
    config = {"live": live}
    boot = (
        "\ninitPage(document.getElementById('glassview'), "
        "JSON.parse(document.getElementById('glassview-document').textContent), "
        "JSON.parse(document.getElementById('glassview-config').textContent));\n"
    )
    script = asset("glassview.js").replace("</script", "<\\/script") + boot
    data = to_json(page_document(document))
    return (
        "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
        "<link rel='icon' href='data:,'>\n"  # no favicon request: nothing is fetched
        f"<title>{html.escape(title)}</title>\n<style>\n{asset('glassview.css')}\n</style>\n"
        "</head>\n<body>\n<div id='glassview' class='glassview'></div>\n"
        f"<script type='application/json' id='glassview-document'>{data}</script>\n"
        f"<script type='application/json' id='glassview-config'>{to_json(config)}</script>\n"
        f"<script type='module'>\n{script}</script>\n</body>\n</html>\n"
    )


def write_page(path: Any, document: dict[str, Any], title: str = "glassnet") -> Path:
    """Write the static page of ``document`` to ``path``; return the path.

    The page goes to a temporary file beside ``path`` first, then replaces it: a reader
    never sees half a page.
    """
    target = Path(path)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(build_page(document, title), encoding="utf-8")
    os.replace(temporary, target)
    return target


def iframe(document: dict[str, Any], height: int = 760) -> str:
    """The static page in an ``<iframe srcdoc>``: its script and style stay inside it."""
    page = html.escape(build_page(document), quote=True)
    return (
        f"<iframe srcdoc=\"{page}\" style='width: 100%; height: {height}px; border: 0' "
        "title='glassnet view'></iframe>"
    )
