"""The glass view's page: one ES module and a stylesheet, and the Python that inlines them.

The page draws a trace's JSON document (:meth:`glassnet.Trace.to_dict`); it never computes
the network. Above this package, :mod:`glassnet.trace` writes it as a file
(:meth:`glassnet.Trace.to_html`) and :mod:`glassnet.live` serves it live, from the engine.
"""

from .page import asset, build_page, finite, iframe, page_document, to_json, write_page

__all__ = [
    "asset",
    "build_page",
    "finite",
    "iframe",
    "page_document",
    "to_json",
    "write_page",
]
