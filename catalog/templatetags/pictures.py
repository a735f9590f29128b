"""`{% picture url %}`: the one way pages show a product picture.

An upload's resized copies become `srcset` (with the `sizes` the page gives); `width` and
`height` are the picture's own when known (uploads), else `size` square (the demo drawings are
square; a web URL's size is unknown and the page's CSS keeps its box square), so the page keeps
its layout while pictures load. Below the fold by default (`loading="lazy"`); `above_fold=True`
for the one picture a page opens with (`fetchpriority="high"`, loaded at once).
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from catalog.services import picture_sources

register = template.Library()


@register.simple_tag
def picture(url: str, *, alt: str = "", sizes: str = "", size: int = 480, above_fold: bool = False,
            css_class: str = "") -> SafeString:
    sources = picture_sources(url)
    width, height = (sources.width, sources.height) if sources.width else (size, size)
    attributes: list[tuple[str, object]] = [("src", url)]
    if sources.copies:
        srcset = [*(f"{copy} {w}w" for w, copy in sources.copies), f"{url} {width}w"]
        attributes += [("srcset", ", ".join(srcset)), ("sizes", sizes or f"{width}px")]
    attributes += [("alt", alt), ("width", width), ("height", height)]
    if css_class:
        attributes.append(("class", css_class))
    attributes += [("fetchpriority", "high")] if above_fold else [("loading", "lazy")]
    attributes.append(("decoding", "async"))
    return format_html("<img{}>", format_html_join("", ' {}="{}"', attributes))
