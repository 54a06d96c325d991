"""OSS's XML documents: written with the standard library's ElementTree, read with defusedxml
(bodies come from clients: no DTD, no entity expansion), and OSS's two time formats."""

from __future__ import annotations

import time
from typing import Any, Optional, Sequence, Tuple, cast
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

import defusedxml.ElementTree as SafeTree
from defusedxml import DefusedXmlException
from werkzeug.http import http_date

from .errors import OssError

__all__ = ["Node", "render", "parse", "text", "iso_time", "http_time", "malformed"]

#: ``(tag, content)``: content is text (str, int, bool) or a sequence of nodes; None leaves the
#: element out.
Node = Tuple[str, Any]
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def _fill(parent: Element, content: Any) -> None:
    if isinstance(content, bool):
        parent.text = "true" if content else "false"
    elif isinstance(content, (str, int)):
        parent.text = str(content)
    else:
        for tag, child in content:
            if child is not None:
                _fill(SubElement(parent, tag), child)


def render(root: str, content: Any) -> bytes:
    """The document ``<root>content</root>`` with its XML declaration; ``content`` is text or
    a sequence of nodes."""
    element = Element(root)
    _fill(element, content)
    return DECLARATION + cast(bytes, tostring(element, encoding="utf-8", xml_declaration=False))


def malformed(message: str = "The XML you provided was not well-formed or did not validate.") -> OssError:
    return OssError(400, "MalformedXML", message)


def parse(body: bytes, roots: Sequence[str]) -> Element:
    """The root element of a client's document, which must be one of ``roots``."""
    try:
        root = SafeTree.fromstring(body)
    except (ParseError, DefusedXmlException, ValueError):
        raise malformed() from None
    if root.tag not in roots:
        raise malformed("the document's root element is %s, not %s" % (root.tag, " or ".join(roots)))
    return root


def text(element: Element, path: str, default: Optional[str] = None) -> str:
    """The text of the child at ``path`` (MalformedXML when it is missing and no default)."""
    child = element.find(path)
    if child is None:
        if default is None:
            raise malformed("the element %s is missing" % path)
        return default
    return child.text or ""


def iso_time(stamp: float) -> str:
    """``2026-12-01T13:29:53.000Z``: the form of times in OSS's documents."""
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(stamp))


def http_time(stamp: float) -> str:
    """``Tue, 01 Dec 2026 13:29:53 GMT``: the form of ``Last-Modified`` and ``Date``."""
    return http_date(int(stamp))
