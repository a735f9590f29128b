"""Browsing: the header's category menu and breadcrumbs' structured data.

    {% load catalog_browsing %}{% category_menu %}

The menu is the cached category tree (catalog.selectors.category_menu): no query per page once
cached, and renewed when catalog.category_changed.v1 is consumed.
"""

from __future__ import annotations

from django import template
from django.template.loader import get_template
from django.urls import reverse
from django.utils.html import json_script
from django.utils.safestring import mark_safe

from catalog.selectors import category_menu_versioned

register = template.Library()


def _url(path: str) -> str:
    return reverse("catalog:category", kwargs={"category_path": path})


MENU_TEMPLATE = "catalog/_category_menu.html"

# (menu version, template, HTML): the menu is the same for every visitor, so this process renders
# it once per version of the tree, about 2 ms a page (docs/decisions/0021). The template object is
# part of the key: when the loaders are reset (`make dev` after a template edit) it renders again.
_rendered: tuple[str, object, str] | None = None


def menu_roots(tree) -> list[dict]:
    """The roots, each with its children, as {name, url, children} for the header."""
    return [{"name": root.name, "url": _url(root.path),
             "children": [{"name": c.name, "url": _url(c.path)} for c in root.children]}
            for root in tree]


@register.simple_tag
def category_menu() -> str:
    global _rendered
    version, tree = category_menu_versioned()
    menu_template = get_template(MENU_TEMPLATE)
    compiled = getattr(menu_template, "template", menu_template)  # the backend's wrapper is new each time
    held = _rendered
    if held is not None and held[0] == version and held[1] is compiled:
        return mark_safe(held[2])  # noqa: S308 - the template's own output, rendered below
    html = menu_template.render({"roots": menu_roots(tree)})
    _rendered = (version, compiled, html)
    return mark_safe(html)  # noqa: S308 - the template's own output


@register.simple_tag(takes_context=True)
def breadcrumb_json_ld(context, crumbs: list[dict]) -> str:
    """schema.org BreadcrumbList for `crumbs` ({name, url}); the last one is the current page."""
    request = context.get("request")
    here = request.build_absolute_uri() if request is not None else ""
    items = [{"@type": "ListItem", "position": n, "name": crumb["name"],
              "item": request.build_absolute_uri(crumb["url"]) if request is not None and crumb.get("url") else here}
             for n, crumb in enumerate(crumbs, start=1)]
    data = {"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": items}
    # json_script escapes <, > and & so the data can't end the script element.
    return mark_safe(json_script(data).replace(  # noqa: S308 - json_script's output, escaped
        '<script type="application/json">', '<script type="application/ld+json">', 1))
