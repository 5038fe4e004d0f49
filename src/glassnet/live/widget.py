"""The glass view as a notebook widget: ``glassnet.view(net, X, y)``, the engine in the kernel.

The widget is an `anywidget <https://anywidget.dev>`_ whose front end is the page's own ES
module (its default export ``{ render }``); the page's requests arrive as custom messages
``{"id", "kind", "payload"}`` and :func:`respond` answers each with ``{"id", "reply"}`` or
``{"id", "error"}``. anywidget is optional (``pip install glassnet[notebook]``) and imported
only when a widget is made.
"""

from __future__ import annotations

import json
from typing import Any

from ..view import asset, to_json
from .session import Session

_WIDGET_CLASS: Any = None


def respond(session: Session, content: Any) -> dict[str, Any]:
    """The answer to one message of the page (a bad request is an ``error``, never raised)."""
    if not isinstance(content, dict):
        return {"id": None, "error": f"a message must be an object, got {type(content).__name__}"}
    try:
        reply = session.handle(str(content.get("kind")), content.get("payload"))
    except (ValueError, TypeError) as error:
        return {"id": content.get("id"), "error": str(error).splitlines()[0]}
    return {"id": content.get("id"), "reply": json.loads(to_json(reply))}  # NaN: null


def widget_class() -> Any:
    """The anywidget class, defined on first use (anywidget is an optional dependency)."""
    global _WIDGET_CLASS
    if _WIDGET_CLASS is not None:
        return _WIDGET_CLASS
    try:
        import anywidget
        import traitlets
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            "glassnet.view needs anywidget: pip install 'glassnet[notebook]'"
        ) from None

    class GlassWidget(anywidget.AnyWidget):
        """The live glass view of a :class:`Session` in a notebook."""

        _esm = asset("glassview.js")
        _css = asset("glassview.css")
        document = traitlets.Dict().tag(sync=True)

        def __init__(self, session: Session) -> None:
            super().__init__(document=json.loads(to_json(session.state())))
            self.session = session
            self.on_msg(self._message)

        def _message(self, widget: Any, content: Any, buffers: Any) -> None:
            self.send(respond(self.session, content))

    _WIDGET_CLASS = GlassWidget
    return GlassWidget


def view(network: Any, X: Any, Y: Any, learning_rate: float = 0.5, **options: Any) -> Any:
    """The live glass view of ``network`` on ``X``, ``Y`` as a notebook widget.

    Edits and play run on the engine in the kernel; ``network`` is trained in place by play.
    ``options`` go to :class:`Session` (``labels``).

    Examples
    --------
    >>> import glassnet as gn                      # doctest: +SKIP
    >>> gn.view(net, X, y)                         # in a notebook cell  # doctest: +SKIP
    """
    return widget_class()(Session(network, X, Y, learning_rate=learning_rate, **options))
