"""The demo catalog's product pictures: small SVG drawings per category and colour, made offline.

`python -m catalog.demo_pictures` (re)writes them into catalog/static/catalog/demo/ as
`<category code>-<colour>.svg` (e.g. `mob-blue.svg`); the output is deterministic, so a rerun
changes no file. Plain Python, no Django: the drawings are shapes in a 200×200 box, shown at
PICTURE_SIZE. `picture_name` chooses the file for an item (see catalog.demo._image_urls).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "static" / "catalog" / "demo"
PICTURE_SIZE = 480  # the width and height every demo picture declares

HEX = {
    "Black": "#2b2d31", "White": "#f4f4f2", "Blue": "#2f6fde", "Navy": "#1f2f5c", "Red": "#d33a35",
    "Green": "#2e9d5b", "Grey": "#8a8f98", "Silver": "#c3c8cf", "Gold": "#d4af37", "Pink": "#e87aa4",
    "Maroon": "#7d2231", "Yellow": "#f2c534", "Beige": "#d9c6a5", "Brown": "#7a4e2d",
    "Purple": "#7b4bc4", "Olive": "#6b7a2e", "Mustard": "#d1a12a", "Teal": "#1f8f8a",
}

# The colours each category is drawn in: those its demo items name (catalog.demo's makers), or,
# for a category without a colour attribute, six that suit it (chosen from the SKU).
COLOURS: dict[str, list[str]] = {
    "mob": ["Black", "Blue", "Green", "Silver", "Purple", "Gold"],
    "aud": ["Black", "White", "Blue", "Grey"],
    "msh": ["White", "Blue", "Navy", "Black", "Olive", "Maroon", "Grey", "Beige"],
    "wku": ["Pink", "Yellow", "Maroon", "Green", "Blue", "White", "Mustard", "Teal"],
    "sho": ["Black", "White", "Navy", "Brown", "Grey", "Red"],
    "lap": ["Silver", "Grey", "Black", "Blue", "Gold", "Purple"],
    "tv": ["Black", "Grey", "Silver", "Navy", "Brown", "White"],
    "bok": ["Red", "Blue", "Green", "Maroon", "Teal", "Mustard"],
    "kit": ["Silver", "Black", "Red", "White", "Teal", "Mustard"],
    "fur": ["Brown", "Beige", "Grey", "Teal", "Navy", "Mustard"],
    "toy": ["Red", "Blue", "Yellow", "Green", "Pink", "Purple"],
    "gro": ["Green", "Mustard", "Red", "Brown", "Olive", "Yellow"],
}

NOUNS = {
    "mob": "Mobile phone", "aud": "Headphones", "msh": "Men's shirt", "wku": "Women's kurta",
    "sho": "Shoe", "lap": "Laptop", "tv": "Television", "bok": "Book", "kit": "Electric kettle",
    "fur": "Armchair", "toy": "Teddy bear", "gro": "Grocery pack",
}


def picture_name(code: str, colour: str | None, sku: str) -> str:
    """The file for an item of category `code`: its own colour when drawn, else one from its SKU
    (crc32, not hash(): the same on every run)."""
    code = code.lower()
    choices = COLOURS[code]
    if colour not in choices:
        colour = choices[zlib.crc32(sku.encode()) % len(choices)]
    return f"{code}-{colour.lower()}.svg"


def _mix(hex_colour: str, other: str, share: float) -> str:
    """`hex_colour` moved `share` of the way towards `other`."""
    a = [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))


def _light(c: str) -> bool:
    r, g, b = (int(c[i:i + 2], 16) for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b > 170


# Each drawer gets the colour `c` and its darker shade `d` (outlines and details) and returns shapes.
def _phone(c: str, d: str) -> str:
    return (f'<rect x="62" y="18" width="76" height="158" rx="13" fill="{c}" stroke="{d}" stroke-width="2"/>'
            '<rect x="69" y="30" width="62" height="134" rx="5" fill="#1d2433"/>'
            '<path d="M69 110 131 52v-17a5 5 0 0 0-5-5H74a5 5 0 0 0-5 5z" fill="#fff" opacity=".1"/>'
            f'<circle cx="100" cy="24" r="2.5" fill="{d}"/>'
            '<rect x="80" y="52" width="40" height="8" rx="4" fill="#fff" opacity=".7"/>'
            '<g fill="#fff" opacity=".35"><rect x="78" y="130" width="12" height="12" rx="3"/>'
            '<rect x="94" y="130" width="12" height="12" rx="3"/>'
            '<rect x="110" y="130" width="12" height="12" rx="3"/></g>')


def _laptop(c: str, d: str) -> str:
    return (f'<rect x="42" y="42" width="116" height="78" rx="6" fill="{c}" stroke="{d}" stroke-width="2"/>'
            '<rect x="49" y="49" width="102" height="64" rx="2" fill="#1d2433"/>'
            '<path d="M49 95 95 49h30L70 113H49z" fill="#fff" opacity=".08"/>'
            f'<path d="M30 122h140l-8 16H38z" fill="{c}" stroke="{d}" stroke-width="2" stroke-linejoin="round"/>'
            f'<rect x="86" y="125" width="28" height="6" rx="2" fill="{d}" opacity=".5"/>')


def _tv(c: str, d: str) -> str:
    return (f'<rect x="22" y="36" width="156" height="100" rx="4" fill="{c}" stroke="{d}" stroke-width="2"/>'
            '<rect x="27" y="41" width="146" height="90" fill="#223a5e"/>'
            '<path d="M27 131l38-40 26 24 30-36 52 52z" fill="#3f7f6a"/>'
            '<circle cx="146" cy="62" r="10" fill="#f2c534"/>'
            f'<path d="M84 136h32l8 20H76z" fill="{d}"/>'
            f'<rect x="60" y="156" width="80" height="5" rx="2" fill="{d}"/>')


def _headphones(c: str, d: str) -> str:
    band = 'd="M50 118V98a50 50 0 0 1 100 0v20" fill="none" stroke-linecap="round"'
    return (f'<path {band} stroke="{d}" stroke-width="14"/><path {band} stroke="{c}" stroke-width="9"/>'
            f'<rect x="34" y="104" width="34" height="54" rx="14" fill="{c}" stroke="{d}" stroke-width="2"/>'
            f'<rect x="132" y="104" width="34" height="54" rx="14" fill="{c}" stroke="{d}" stroke-width="2"/>'
            f'<rect x="58" y="112" width="10" height="38" rx="4" fill="{d}"/>'
            f'<rect x="132" y="112" width="10" height="38" rx="4" fill="{d}"/>')


def _shirt(c: str, d: str) -> str:
    return (f'<path d="M76 28 44 42 22 82l24 12 12-20v104h84V74l12 20 24-12-22-40-32-14q-24 18-48 0z" '
            f'fill="{c}" stroke="{d}" stroke-width="2" stroke-linejoin="round"/>'
            f'<path d="M76 28l24 26 24-26M100 54v124" fill="none" stroke="{d}" stroke-width="2"/>'
            f'<path d="M76 28l-6 16 18 4zM124 28l6 16-18 4z" fill="{d}" opacity=".35"/>'
            f'<g fill="{d}"><circle cx="104" cy="76" r="2.5"/><circle cx="104" cy="102" r="2.5"/>'
            '<circle cx="104" cy="128" r="2.5"/><circle cx="104" cy="154" r="2.5"/></g>')


def _kurta(c: str, d: str) -> str:
    return (f'<path d="M80 20 54 30 30 78l20 8 14-26-6 120h84l-6-120 14 26 20-8-24-48-26-10q-20 14-40 0z" '
            f'fill="{c}" stroke="{d}" stroke-width="2" stroke-linejoin="round"/>'
            f'<path d="M80 20q20 30 40 0M100 40v26" fill="none" stroke="{d}" stroke-width="2"/>'
            '<path d="M62 168h76" stroke="#d4af37" stroke-width="5" stroke-dasharray="3 3"/>'
            '<g fill="#d4af37"><circle cx="88" cy="44" r="2"/><circle cx="112" cy="44" r="2"/>'
            '<circle cx="100" cy="72" r="2"/></g>')


def _shoe(c: str, d: str) -> str:
    return (f'<path d="M24 132V84q0-8 8-8h24q10 22 34 20l30-6q24 14 50 22 12 4 12 20z" '
            f'fill="{c}" stroke="{d}" stroke-width="2" stroke-linejoin="round"/>'
            '<path d="M20 132h164v10q0 8-8 8H28q-8 0-8-8z" fill="#fafafa" stroke="#9aa0a8" stroke-width="2"/>'
            f'<path d="M70 92l8-10M84 96l8-12M98 96l8-12" stroke="{d}" stroke-width="3" stroke-linecap="round"/>'
            f'<path d="M24 100h30q20 24 60 20" fill="none" stroke="{d}" stroke-width="2" opacity=".6"/>')


def _book(c: str, d: str) -> str:
    return (f'<rect x="48" y="22" width="108" height="156" rx="3" fill="{c}" stroke="{d}" stroke-width="2"/>'
            f'<rect x="48" y="22" width="14" height="156" rx="3" fill="{d}"/>'
            '<rect x="62" y="58" width="94" height="34" fill="#fff" opacity=".9"/>'
            f'<rect x="74" y="67" width="58" height="6" rx="3" fill="{d}"/>'
            f'<rect x="74" y="78" width="40" height="5" rx="2" fill="{d}" opacity=".6"/>'
            '<rect x="76" y="150" width="52" height="5" rx="2" fill="#fff" opacity=".7"/>'
            '<path d="M156 26v148l6-4V30z" fill="#e8e4da"/>')


def _kettle(c: str, d: str) -> str:
    return (f'<path d="M62 64h70l10 92H52z" fill="{c}" stroke="{d}" stroke-width="2" stroke-linejoin="round"/>'
            f'<path d="M132 76q34 4 26 44l-12-2q6-28-16-30" fill="{d}"/>'
            f'<path d="M62 76 34 58l-4 6 26 26" fill="{c}" stroke="{d}" stroke-width="2" stroke-linejoin="round"/>'
            f'<rect x="58" y="54" width="78" height="12" rx="6" fill="{d}"/>'
            f'<rect x="90" y="44" width="14" height="10" rx="3" fill="{d}"/>'
            '<rect x="44" y="156" width="106" height="14" rx="4" fill="#3a3f47"/>'
            '<rect x="70" y="90" width="8" height="46" rx="4" fill="#fff" opacity=".3"/>')


def _armchair(c: str, d: str) -> str:
    return (f'<rect x="54" y="34" width="92" height="80" rx="18" fill="{c}" stroke="{d}" stroke-width="2"/>'
            f'<rect x="32" y="82" width="32" height="70" rx="12" fill="{c}" stroke="{d}" stroke-width="2"/>'
            f'<rect x="136" y="82" width="32" height="70" rx="12" fill="{c}" stroke="{d}" stroke-width="2"/>'
            f'<rect x="60" y="108" width="80" height="30" rx="8" fill="{c}" stroke="{d}" stroke-width="2"/>'
            f'<rect x="58" y="136" width="84" height="16" fill="{d}"/>'
            '<path d="M40 152l-4 22M160 152l4 22" stroke="#5a3a22" stroke-width="6" stroke-linecap="round"/>')


def _teddy(c: str, d: str) -> str:
    return (f'<g fill="{c}" stroke="{d}" stroke-width="2"><circle cx="70" cy="40" r="16"/>'
            '<circle cx="130" cy="40" r="16"/>'
            '<ellipse cx="100" cy="136" rx="44" ry="42"/><circle cx="56" cy="118" r="14"/>'
            '<circle cx="144" cy="118" r="14"/>'
            '<circle cx="70" cy="172" r="16"/><circle cx="130" cy="172" r="16"/><circle cx="100" cy="70" r="38"/></g>'
            '<ellipse cx="100" cy="84" rx="16" ry="12" fill="#fff" opacity=".6"/>'
            '<ellipse cx="100" cy="140" rx="24" ry="22" fill="#fff" opacity=".35"/>'
            '<g fill="#222"><circle cx="86" cy="62" r="4"/><circle cx="114" cy="62" r="4"/>'
            '<ellipse cx="100" cy="78" rx="6" ry="4"/></g>')


def _grocery(c: str, d: str) -> str:
    return ('<path d="M52 30h96l8 16v126a6 6 0 0 1-6 6H50a6 6 0 0 1-6-6V46z" '
            f'fill="{c}" stroke="{d}" stroke-width="2" stroke-linejoin="round"/>'
            f'<path d="M52 30h96v16H44" fill="{d}"/>'
            '<rect x="58" y="72" width="84" height="70" rx="8" fill="#fff" opacity=".92"/>'
            '<path d="M100 126q-26-10-14-40 26 4 14 40zM100 126V98" fill="#2e9d5b" stroke="#1f6b3e" stroke-width="2"/>'
            f'<rect x="72" y="150" width="56" height="6" rx="3" fill="{d}"/>')


DRAWERS: dict[str, Callable[[str, str], str]] = {
    "mob": _phone, "lap": _laptop, "tv": _tv, "aud": _headphones, "msh": _shirt, "wku": _kurta,
    "sho": _shoe, "bok": _book, "kit": _kettle, "fur": _armchair, "toy": _teddy, "gro": _grocery,
}


def picture_svg(code: str, colour: str) -> str:
    """One picture: a soft background in a tint of the colour, a ground shadow, the drawing."""
    c = HEX[colour]
    d = _mix(c, "#000000", 0.45 if _light(c) else 0.35)
    tint = _mix(c, "#ffffff", 0.88)
    title = f"{NOUNS[code]}, {colour.lower()}"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{PICTURE_SIZE}" height="{PICTURE_SIZE}" '
            f'viewBox="0 0 200 200" role="img"><title>{title}</title>'
            f'<rect width="200" height="200" fill="{tint}"/>'
            '<ellipse cx="100" cy="182" rx="70" ry="7" fill="#000" opacity=".08"/>'
            f"{DRAWERS[code](c, d)}</svg>\n")


def pictures() -> dict[str, str]:
    """Every demo picture by file name."""
    return {f"{code}-{colour.lower()}.svg": picture_svg(code, colour)
            for code, colours in COLOURS.items() for colour in colours}


def write_pictures(folder: Path = FOLDER) -> list[Path]:
    """Write every picture into `folder`, leaving files whose content is already right alone."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, svg in pictures().items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != svg:
            path.write_text(svg, encoding="utf-8")
            written.append(path)
    return written


if __name__ == "__main__":
    changed = write_pictures()
    print(f"{len(pictures())} pictures in {FOLDER}, {len(changed)} written")
