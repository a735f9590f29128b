"""Demo catalog: a dozen categories with real-looking schemas and thousands of believable items.

Deterministic (random.Random(seed)) and idempotent: categories are found by path, items by
(seller, SKU), so a second run adds nothing. Items go in with bulk_create; each still gets its
document and its `catalog.item_created.v1` event, in the same transaction.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction

from catalog.backends.base import Document
from catalog.demo_pictures import picture_name
from catalog.documents import documents_write
from catalog.models import AttributeDefinition, Category, Item, ItemStatus
from catalog.selectors import category_schema, snapshot_of
from catalog.services import (
    ITEM_CREATED,
    attribute_define,
    category_create,
    category_schema_changed,
    facet_indexes_ensure,
    item_create,
)
from catalog.validation import attributes_validate
from events.interface import emit

COLOURS = [
    "Black",
    "White",
    "Blue",
    "Navy",
    "Red",
    "Green",
    "Grey",
    "Silver",
    "Gold",
    "Pink",
    "Maroon",
    "Yellow",
    "Beige",
    "Brown",
    "Purple",
    "Olive",
    "Mustard",
    "Teal",
]

# (path, name, [attribute definitions as (code, label, type, extra)])
A = dict
SCHEMA: list[tuple[str, str, list[dict[str, Any]]]] = [
    (
        "electronics",
        "Electronics",
        [
            A(code="warranty_months", label="Warranty", type="number", unit="months"),
        ],
    ),
    (
        "electronics/mobiles",
        "Mobiles",
        [
            A(
                code="ram",
                label="RAM",
                type="choice",
                choices=["4 GB", "6 GB", "8 GB", "12 GB", "16 GB"],
                required=True,
                facetable=True,
            ),
            A(
                code="storage",
                label="Storage",
                type="choice",
                choices=["64 GB", "128 GB", "256 GB", "512 GB"],
                required=True,
                facetable=True,
            ),
            A(code="screen_size", label="Screen size", type="number", unit="inch", facetable=True),
            A(code="battery", label="Battery", type="number", unit="mAh"),
            A(code="network", label="Network", type="choice", choices=["4G", "5G"], facetable=True),
            A(code="phone_colour", label="Colour", type="choice", choices=COLOURS, facetable=True),
            A(code="dual_sim", label="Dual SIM", type="boolean"),
        ],
    ),
    (
        "electronics/laptops",
        "Laptops",
        [
            A(
                code="processor",
                label="Processor",
                type="choice",
                required=True,
                facetable=True,
                choices=[
                    "Intel Core i3",
                    "Intel Core i5",
                    "Intel Core i7",
                    "AMD Ryzen 5",
                    "AMD Ryzen 7",
                    "Apple M3",
                ],
            ),
            A(
                code="ram",
                label="RAM",
                type="choice",
                choices=["8 GB", "16 GB", "32 GB"],
                required=True,
                facetable=True,
            ),
            A(
                code="storage",
                label="SSD",
                type="choice",
                choices=["256 GB", "512 GB", "1 TB"],
                facetable=True,
            ),
            A(code="screen_size", label="Screen size", type="number", unit="inch", facetable=True),
            A(code="weight", label="Weight", type="number", unit="kg"),
            A(
                code="os",
                label="Operating system",
                type="choice",
                choices=["Windows 11", "macOS", "Chrome OS"],
                facetable=True,
            ),
            A(code="touchscreen", label="Touchscreen", type="boolean"),
        ],
    ),
    (
        "electronics/televisions",
        "Televisions",
        [
            A(
                code="screen_size",
                label="Screen size",
                type="number",
                unit="inch",
                required=True,
                facetable=True,
            ),
            A(
                code="resolution",
                label="Resolution",
                type="choice",
                choices=["HD Ready", "Full HD", "4K Ultra HD"],
                required=True,
                facetable=True,
            ),
            A(
                code="display",
                label="Display",
                type="choice",
                choices=["LED", "QLED", "OLED"],
                facetable=True,
            ),
            A(code="smart_tv", label="Smart TV", type="boolean", facetable=True),
            A(code="refresh_rate", label="Refresh rate", type="number", unit="Hz"),
            A(code="hdmi_ports", label="HDMI ports", type="number"),
        ],
    ),
    (
        "electronics/headphones",
        "Headphones",
        [
            A(
                code="form",
                label="Type",
                type="choice",
                choices=["In-ear", "On-ear", "Over-ear"],
                required=True,
                facetable=True,
            ),
            A(code="wireless", label="Wireless", type="boolean", facetable=True),
            A(code="noise_cancelling", label="Active noise cancelling", type="boolean", facetable=True),
            A(code="battery_life", label="Battery life", type="number", unit="hours"),
            A(code="audio_colour", label="Colour", type="choice", choices=COLOURS, facetable=True),
        ],
    ),
    (
        "fashion",
        "Fashion",
        [
            A(code="colour", label="Colour", type="choice", choices=COLOURS, required=True, facetable=True,
              variant_option=True),
            A(code="care", label="Care instructions", type="text"),
        ],
    ),
    (
        "fashion/t-shirts",
        "T-shirts",
        [
            A(code="size", label="Size", type="choice", choices=["S", "M", "L", "XL"], required=True, facetable=True,
              variant_option=True),
            A(code="neck", label="Neck", type="choice", choices=["Round", "V-neck", "Polo"], facetable=True),
            A(code="fabric", label="Fabric", type="choice", choices=["Cotton", "Cotton blend", "Polyester"],
              facetable=True),
        ],
    ),
    (
        "fashion/mens-shirts",
        "Men's shirts",
        [
            A(
                code="size",
                label="Size",
                type="choice",
                choices=["S", "M", "L", "XL", "XXL"],
                required=True,
                facetable=True,
            ),
            A(
                code="fabric",
                label="Fabric",
                type="choice",
                choices=["Cotton", "Linen", "Polyester", "Cotton blend"],
                facetable=True,
            ),
            A(code="fit", label="Fit", type="choice", choices=["Slim", "Regular", "Relaxed"], facetable=True),
            A(code="sleeve", label="Sleeve", type="choice", choices=["Full", "Half"], facetable=True),
        ],
    ),
    (
        "fashion/womens-kurtas",
        "Women's kurtas",
        [
            A(
                code="size",
                label="Size",
                type="choice",
                choices=["XS", "S", "M", "L", "XL", "XXL"],
                required=True,
                facetable=True,
            ),
            A(
                code="fabric",
                label="Fabric",
                type="choice",
                choices=["Cotton", "Rayon", "Silk", "Georgette"],
                facetable=True,
            ),
            A(
                code="length",
                label="Length",
                type="choice",
                choices=["Short", "Knee length", "Calf length", "Ankle length"],
            ),
            A(
                code="occasion",
                label="Occasion",
                type="multi_choice",
                choices=["Casual", "Festive", "Office", "Wedding"],
                facetable=True,
            ),
        ],
    ),
    (
        "fashion/shoes",
        "Shoes",
        [
            A(
                code="uk_size",
                label="UK size",
                type="choice",
                choices=[str(n) for n in range(5, 12)],
                required=True,
                facetable=True,
            ),
            A(code="gender", label="For", type="choice", choices=["Men", "Women", "Unisex"], facetable=True),
            A(
                code="style",
                label="Style",
                type="choice",
                choices=["Sneakers", "Running", "Formal", "Sandals", "Loafers"],
                facetable=True,
            ),
            A(
                code="material",
                label="Upper material",
                type="choice",
                choices=["Mesh", "Leather", "Synthetic", "Canvas"],
            ),
        ],
    ),
    (
        "books",
        "Books",
        [
            A(code="author", label="Author", type="text", required=True),
            A(
                code="language",
                label="Language",
                type="choice",
                facetable=True,
                choices=["English", "Hindi", "Tamil", "Bengali", "Marathi", "Malayalam"],
            ),
            A(
                code="binding",
                label="Binding",
                type="choice",
                choices=["Paperback", "Hardcover"],
                facetable=True,
            ),
            A(code="pages", label="Pages", type="number"),
            A(
                code="genre",
                label="Genre",
                type="choice",
                facetable=True,
                choices=["Fiction", "Self-help", "Biography", "History", "Children", "Exam preparation"],
            ),
        ],
    ),
    ("home-kitchen", "Home & Kitchen", []),
    (
        "home-kitchen/kitchen-appliances",
        "Kitchen appliances",
        [
            A(
                code="appliance",
                label="Appliance",
                type="choice",
                required=True,
                facetable=True,
                choices=[
                    "Mixer grinder",
                    "Microwave oven",
                    "Air fryer",
                    "Induction cooktop",
                    "Electric kettle",
                ],
            ),
            A(code="power", label="Power", type="number", unit="W", facetable=True),
            A(code="capacity", label="Capacity", type="number", unit="litre"),
            A(code="warranty_years", label="Warranty", type="number", unit="years"),
        ],
    ),
    (
        "home-kitchen/furniture",
        "Furniture",
        [
            A(
                code="furniture_type",
                label="Type",
                type="choice",
                required=True,
                facetable=True,
                choices=["Sofa", "Bed", "Dining table", "Office chair", "Bookshelf"],
            ),
            A(
                code="material",
                label="Material",
                type="choice",
                facetable=True,
                choices=["Sheesham wood", "Engineered wood", "Metal", "Fabric"],
            ),
            A(code="assembly_required", label="Assembly required", type="boolean"),
            A(code="seating_capacity", label="Seats", type="number"),
        ],
    ),
    (
        "toys",
        "Toys",
        [
            A(
                code="age_group",
                label="Age",
                type="choice",
                choices=["0-2 years", "3-5 years", "6-8 years", "9-12 years", "12+ years"],
                required=True,
                facetable=True,
            ),
            A(
                code="toy_type",
                label="Type",
                type="choice",
                facetable=True,
                choices=["Building blocks", "Board game", "Soft toy", "Remote control", "Puzzle"],
            ),
            A(code="battery_operated", label="Battery operated", type="boolean"),
        ],
    ),
    (
        "grocery",
        "Groceries",
        [
            A(code="net_weight", label="Net weight", type="number", unit="g", required=True),
            A(code="vegetarian", label="Vegetarian", type="boolean", required=True, facetable=True),
            A(
                code="grocery_type",
                label="Type",
                type="choice",
                facetable=True,
                choices=["Staples", "Snacks", "Beverages", "Spices", "Dry fruits"],
            ),
            A(code="organic", label="Organic", type="boolean", facetable=True),
            A(code="pack_of", label="Pack of", type="number"),
        ],
    ),
]

# category path -> share of the items
WEIGHTS = {
    "electronics/mobiles": 14,
    "electronics/laptops": 7,
    "electronics/televisions": 6,
    "electronics/headphones": 9,
    "fashion/mens-shirts": 12,
    "fashion/womens-kurtas": 11,
    "fashion/shoes": 9,
    "books": 10,
    "home-kitchen/kitchen-appliances": 6,
    "home-kitchen/furniture": 4,
    "toys": 6,
    "grocery": 6,
}
SKU_CODES = {
    "electronics/mobiles": "MOB",
    "electronics/laptops": "LAP",
    "electronics/televisions": "TV",
    "electronics/headphones": "AUD",
    "fashion/mens-shirts": "MSH",
    "fashion/womens-kurtas": "WKU",
    "fashion/shoes": "SHO",
    "books": "BOK",
    "home-kitchen/kitchen-appliances": "KIT",
    "home-kitchen/furniture": "FUR",
    "toys": "TOY",
    "grocery": "GRO",
}


@dataclass
class _Draft:
    title: str
    brand: str
    description: str
    price_rupees: int
    attributes: dict[str, Any]


def _price(rng: random.Random, low: int, high: int) -> int:
    """A shop price in rupees: 1,299 / 24,990 / 349 and the like."""
    value = rng.randint(low, high)
    if value >= 10000:
        return value // 1000 * 1000 + rng.choice([499, 990, 999])
    if value >= 1000:
        return value // 100 * 100 + rng.choice([49, 99, 99])
    return value // 10 * 10 + 9


def _mobile(rng: random.Random) -> _Draft:
    brand, series = rng.choice(
        [
            ("Samsung", "Galaxy M"),
            ("Samsung", "Galaxy A"),
            ("Xiaomi", "Redmi Note "),
            ("OnePlus", "Nord CE"),
            ("Realme", "Narzo "),
            ("Vivo", "T"),
            ("Oppo", "F"),
            ("Motorola", "Moto G"),
            ("iQOO", "Z"),
            ("Poco", "X"),
        ]
    )
    model = f"{series}{rng.randint(3, 60)}"
    network = rng.choice(["4G", "5G", "5G", "5G"])
    ram, storage = rng.choice(
        [
            ("4 GB", "64 GB"),
            ("6 GB", "128 GB"),
            ("8 GB", "128 GB"),
            ("8 GB", "256 GB"),
            ("12 GB", "256 GB"),
            ("16 GB", "512 GB"),
        ]
    )
    colour = rng.choice(["Black", "Blue", "Green", "Silver", "Purple", "Gold"])
    base = {"4 GB": 7000, "6 GB": 11000, "8 GB": 16000, "12 GB": 26000, "16 GB": 42000}[ram]
    return _Draft(
        title=f"{brand} {model} {network} ({colour}, {ram} RAM, {storage} Storage)",
        brand=brand,
        description=f"{brand} {model} with a {rng.choice([6.5, 6.6, 6.67, 6.7, 6.78])}-inch display, "
        f"{ram} RAM and {storage} of storage.",
        price_rupees=_price(rng, base, int(base * 1.6)),
        attributes={
            "ram": ram,
            "storage": storage,
            "screen_size": rng.choice([6.5, 6.6, 6.67, 6.7, 6.78]),
            "battery": rng.choice([5000, 5000, 5500, 6000]),
            "network": network,
            "phone_colour": colour,
            "dual_sim": True,
            "warranty_months": 12,
        },
    )


def _laptop(rng: random.Random) -> _Draft:
    brand, line = rng.choice(
        [
            ("HP", "Pavilion"),
            ("Dell", "Inspiron"),
            ("Lenovo", "IdeaPad Slim 5"),
            ("ASUS", "Vivobook 15"),
            ("Acer", "Aspire 7"),
            ("Apple", "MacBook Air"),
        ]
    )
    if brand == "Apple":
        processor, os_name = "Apple M3", "macOS"
    else:
        processor = rng.choice(
            ["Intel Core i3", "Intel Core i5", "Intel Core i7", "AMD Ryzen 5", "AMD Ryzen 7"]
        )
        os_name = "Windows 11"
    ram = rng.choice(["8 GB", "16 GB", "16 GB", "32 GB"])
    storage = rng.choice(["512 GB", "512 GB", "1 TB"])
    size = rng.choice([13.6, 14.0, 15.6, 15.6, 16.0])
    base = 34000 + {"8 GB": 0, "16 GB": 12000, "32 GB": 30000}[ram] + (45000 if brand == "Apple" else 0)
    return _Draft(
        title=f"{brand} {line} {processor} Laptop ({ram}/{storage} SSD/{os_name}) {size:g} inch",
        brand=brand,
        description=f"A {size:g}-inch {brand} laptop with {processor}, {ram} RAM and a {storage} SSD.",
        price_rupees=_price(rng, base, int(base * 1.4)),
        attributes={
            "processor": processor,
            "ram": ram,
            "storage": storage,
            "screen_size": size,
            "weight": round(rng.uniform(1.2, 2.3), 2),
            "os": os_name,
            "touchscreen": rng.random() < 0.2,
            "warranty_months": 12,
        },
    )


def _television(rng: random.Random) -> _Draft:
    brand = rng.choice(["Samsung", "LG", "Sony", "TCL", "Xiaomi", "Hisense", "Acer", "Vu"])
    size = rng.choice([32, 43, 43, 50, 55, 55, 65, 75])
    resolution = "HD Ready" if size == 32 else rng.choice(["Full HD", "4K Ultra HD", "4K Ultra HD"])
    display = rng.choice(["LED", "LED", "QLED", "OLED"]) if size >= 50 else "LED"
    base = {32: 11000, 43: 22000, 50: 30000, 55: 38000, 65: 60000, 75: 95000}[size]
    base = int(base * {"LED": 1, "QLED": 1.4, "OLED": 2.6}[display])
    return _Draft(
        title=f"{brand} {round(size * 2.54)} cm ({size} inch) {resolution} Smart {display} TV",
        brand=brand,
        description=f"{size}-inch {resolution} {display} television with built-in apps and Dolby Audio.",
        price_rupees=_price(rng, base, int(base * 1.3)),
        attributes={
            "screen_size": size,
            "resolution": resolution,
            "display": display,
            "smart_tv": True,
            "refresh_rate": rng.choice([60, 60, 120]),
            "hdmi_ports": rng.choice([2, 3, 4]),
            "warranty_months": rng.choice([12, 24]),
        },
    )


def _headphones(rng: random.Random) -> _Draft:
    brand = rng.choice(["boAt", "Sony", "JBL", "Noise", "OnePlus", "Sennheiser", "realme", "Boult"])
    form = rng.choice(["In-ear", "In-ear", "On-ear", "Over-ear"])
    wireless = rng.random() < 0.85
    anc = wireless and rng.random() < 0.4
    colour = rng.choice(["Black", "White", "Blue", "Grey"])
    kind = {
        "In-ear": "Earbuds" if wireless else "Wired Earphones",
        "On-ear": "On-Ear Headphones",
        "Over-ear": "Over-Ear Headphones",
    }[form]
    base = 900 if brand in {"boAt", "Noise", "realme", "Boult"} else 2500
    base = base * (3 if anc else 1) * (2 if form == "Over-ear" else 1)
    attrs: dict[str, Any] = {
        "form": form,
        "wireless": wireless,
        "noise_cancelling": anc,
        "audio_colour": colour,
        "warranty_months": 12,
    }
    if wireless:
        attrs["battery_life"] = rng.choice([24, 30, 40, 50, 60])
    return _Draft(
        title=f"{brand} {rng.choice(['Airdopes', 'Rockerz', 'Tune', 'Buds', 'Wave', 'Bass'])} "
        f"{rng.randint(100, 999)} {'ANC ' if anc else ''}{kind} ({colour})",
        brand=brand,
        description=f"{kind} by {brand}{' with active noise cancelling' if anc else ''}.",
        price_rupees=_price(rng, base, int(base * 1.8)),
        attributes=attrs,
    )


def _mens_shirt(rng: random.Random) -> _Draft:
    brand = rng.choice(
        [
            "Allen Solly",
            "Peter England",
            "Van Heusen",
            "Louis Philippe",
            "Arrow",
            "U.S. Polo Assn.",
            "Roadster",
            "Raymond",
        ]
    )
    colour = rng.choice(["White", "Blue", "Navy", "Black", "Olive", "Maroon", "Grey", "Beige"])
    fabric = rng.choice(["Cotton", "Cotton", "Linen", "Polyester", "Cotton blend"])
    fit = rng.choice(["Slim", "Regular", "Relaxed"])
    sleeve = rng.choice(["Full", "Full", "Half"])
    pattern = rng.choice(["Solid", "Checked", "Striped", "Printed"])
    return _Draft(
        title=f"{brand} Men's {fit} Fit {pattern} {fabric} Casual Shirt ({colour})",
        brand=brand,
        description=f"{sleeve}-sleeve {pattern.lower()} shirt in {fabric.lower()}, {fit.lower()} fit.",
        price_rupees=_price(rng, 599, 2999),
        attributes={
            "colour": colour,
            "size": rng.choice(["S", "M", "M", "L", "L", "XL", "XXL"]),
            "fabric": fabric,
            "fit": fit,
            "sleeve": sleeve,
            "care": "Machine wash cold",
        },
    )


def _kurta(rng: random.Random) -> _Draft:
    brand = rng.choice(["Biba", "W", "Aurelia", "Libas", "Anouk", "Global Desi", "Fabindia", "Soch"])
    colour = rng.choice(["Pink", "Yellow", "Maroon", "Green", "Blue", "White", "Mustard", "Teal"])
    fabric = rng.choice(["Cotton", "Rayon", "Rayon", "Silk", "Georgette"])
    pattern = rng.choice(["Floral Print", "Embroidered", "Solid", "Block Print", "Bandhani"])
    occasions = sorted(rng.sample(["Casual", "Festive", "Office", "Wedding"], rng.randint(1, 2)))
    return _Draft(
        title=f"{brand} Women's {pattern} {fabric} Straight Kurta ({colour})",
        brand=brand,
        description=f"{pattern} {fabric.lower()} kurta for {' and '.join(occasions).lower()} wear.",
        price_rupees=_price(rng, 499, 3999 if fabric in {"Silk", "Georgette"} else 1999),
        attributes={
            "colour": colour,
            "size": rng.choice(["XS", "S", "M", "L", "XL", "XXL"]),
            "fabric": fabric,
            "length": rng.choice(["Knee length", "Calf length", "Calf length", "Ankle length"]),
            "occasion": occasions,
        },
    )


def _shoes(rng: random.Random) -> _Draft:
    brand = rng.choice(
        ["Bata", "Puma", "Adidas", "Nike", "Campus", "Red Tape", "Woodland", "Sparx", "Skechers"]
    )
    style = rng.choice(["Sneakers", "Running", "Formal", "Sandals", "Loafers"])
    gender = rng.choice(["Men", "Women", "Unisex"])
    colour = rng.choice(["Black", "White", "Navy", "Brown", "Grey", "Red"])
    material = {"Formal": "Leather", "Loafers": "Leather"}.get(style) or rng.choice(
        ["Mesh", "Synthetic", "Canvas"]
    )
    base = 1800 if brand in {"Puma", "Adidas", "Nike", "Skechers"} else 700
    thing = style if style in {"Sandals", "Loafers"} else f"{style} Shoes"
    return _Draft(
        title=f"{brand} {gender}'s {thing} ({colour})"
        if gender != "Unisex"
        else f"{brand} Unisex {thing} ({colour})",
        brand=brand,
        description=f"{style} shoes with a {material.lower()} upper.",
        price_rupees=_price(rng, base, base * 4),
        attributes={
            "colour": colour,
            "uk_size": str(rng.randint(5, 11)),
            "gender": gender,
            "style": style,
            "material": material,
        },
    )


BOOKS = [
    ("The White Tiger", "Aravind Adiga", "Fiction"),
    ("Wings of Fire", "A. P. J. Abdul Kalam", "Biography"),
    ("Godaan", "Munshi Premchand", "Fiction"),
    ("The Guide", "R. K. Narayan", "Fiction"),
    ("India After Gandhi", "Ramachandra Guha", "History"),
    ("Ikigai", "Héctor García", "Self-help"),
    ("Atomic Habits", "James Clear", "Self-help"),
    ("Malgudi Days", "R. K. Narayan", "Children"),
    ("The God of Small Things", "Arundhati Roy", "Fiction"),
    ("Train to Pakistan", "Khushwant Singh", "Fiction"),
    ("Indian Polity", "M. Laxmikanth", "Exam preparation"),
    ("Panchatantra Tales", "Vishnu Sharma", "Children"),
    ("The Discovery of India", "Jawaharlal Nehru", "History"),
    ("Rashmirathi", "Ramdhari Singh Dinkar", "Fiction"),
    ("Ponniyin Selvan", "Kalki Krishnamurthy", "Fiction"),
    ("Quantitative Aptitude", "R. S. Aggarwal", "Exam preparation"),
]


def _book(rng: random.Random) -> _Draft:
    title, author, genre = rng.choice(BOOKS)
    language = rng.choice(
        ["English", "English", "English", "Hindi", "Tamil", "Bengali", "Marathi", "Malayalam"]
    )
    binding = rng.choice(["Paperback", "Paperback", "Hardcover"])
    publisher = rng.choice(["Penguin", "HarperCollins", "Rupa", "Westland", "Pan Macmillan"])
    return _Draft(
        title=f"{title} ({language}, {binding})",
        brand=publisher,
        description=f"{title} by {author}. {binding} edition in {language} from {publisher}.",
        price_rupees=_price(rng, 149, 899 if binding == "Paperback" else 1499),
        attributes={
            "author": author,
            "language": language,
            "binding": binding,
            "pages": rng.randint(120, 720),
            "genre": genre,
        },
    )


def _kitchen(rng: random.Random) -> _Draft:
    kinds: list[tuple[str, int, int, list[int], list[float | None]]] = [
        ("Mixer grinder", 1999, 6999, [500, 750, 1000], [1.5, 1.2]),
        ("Microwave oven", 5999, 18999, [800, 1200], [20, 23, 28, 32]),
        ("Air fryer", 2999, 11999, [1200, 1500], [2.5, 4.2, 5.5]),
        ("Induction cooktop", 1499, 4999, [1600, 2000], [None]),
        ("Electric kettle", 599, 2499, [1500], [1.2, 1.5, 1.8]),
    ]
    appliance, low, high, power, capacity = rng.choice(kinds)
    brand = rng.choice(["Prestige", "Philips", "Bajaj", "Havells", "Pigeon", "Preethi", "Butterfly", "IFB"])
    watts, litres = rng.choice(power), rng.choice(capacity)
    attrs: dict[str, Any] = {"appliance": appliance, "power": watts, "warranty_years": rng.choice([1, 2])}
    if litres:
        attrs["capacity"] = litres
    size = f"{litres:g} L, " if litres else ""
    return _Draft(
        title=f"{brand} {appliance.title()} ({size}{watts} W)",
        brand=brand,
        description=f"{brand} {appliance.lower()} rated {watts} W.",
        price_rupees=_price(rng, low, high),
        attributes=attrs,
    )


def _furniture(rng: random.Random) -> _Draft:
    kinds: list[tuple[str, int, int, list[int | None]]] = [
        ("Sofa", 14999, 64999, [2, 3, 5]),
        ("Bed", 12999, 49999, [None]),
        ("Dining table", 9999, 39999, [4, 6]),
        ("Office chair", 3499, 17999, [1]),
        ("Bookshelf", 2999, 12999, [None]),
    ]
    kind, low, high, seats = rng.choice(kinds)
    brand = rng.choice(["Wakefit", "Nilkamal", "Godrej Interio", "Urban Ladder", "Durian", "Home Centre"])
    material = (
        "Fabric"
        if kind == "Sofa"
        else "Metal"
        if kind == "Office chair"
        else rng.choice(["Sheesham wood", "Engineered wood"])
    )
    attrs: dict[str, Any] = {
        "furniture_type": kind,
        "material": material,
        "assembly_required": rng.random() < 0.6,
    }
    seat = rng.choice(seats)
    if seat:
        attrs["seating_capacity"] = seat
    label = f"{seat} Seater " if seat and kind in {"Sofa", "Dining table"} else ""
    return _Draft(
        title=f"{brand} {material.title()} {label}{kind.title()}",
        brand=brand,
        description=f"{kind} in {material.lower()} by {brand}.",
        price_rupees=_price(rng, low, high),
        attributes=attrs,
    )


def _toy(rng: random.Random) -> _Draft:
    kind = rng.choice(["Building blocks", "Board game", "Soft toy", "Remote control", "Puzzle"])
    brand = rng.choice(["Funskool", "LEGO", "Hasbro", "Mattel", "Skillmatics", "Hamleys", "Miniature Mart"])
    thing = {
        "Building blocks": "Building Blocks Set",
        "Board game": "Family Board Game",
        "Soft toy": "Teddy Bear Soft Toy",
        "Remote control": "Remote Control Car",
        "Puzzle": "Jigsaw Puzzle",
    }[kind]
    title = f"{brand} {thing}"
    if kind == "Puzzle":
        title += f" ({rng.choice([100, 250, 500, 1000])} pieces)"
    elif kind == "Building blocks":
        title += f" ({rng.randint(2, 9)} in 1)"
    return _Draft(
        title=title,
        brand=brand,
        description=f"{thing} by {brand}.",
        price_rupees=_price(rng, 299, 4999),
        attributes={
            "age_group": rng.choice(["0-2 years", "3-5 years", "6-8 years", "9-12 years", "12+ years"]),
            "toy_type": kind,
            "battery_operated": kind == "Remote control",
        },
    )


def _grocery(rng: random.Random) -> _Draft:
    name, kind, grams, low, high = rng.choice(
        [
            ("Basmati Rice", "Staples", 5000, 499, 999),
            ("Toor Dal", "Staples", 1000, 149, 229),
            ("Atta (Whole Wheat Flour)", "Staples", 5000, 229, 349),
            ("Masala Chai", "Beverages", 500, 199, 349),
            ("Filter Coffee Powder", "Beverages", 500, 249, 449),
            ("Garam Masala", "Spices", 100, 69, 129),
            ("Turmeric Powder", "Spices", 200, 49, 99),
            ("Bhujia Namkeen", "Snacks", 400, 89, 149),
            ("California Almonds", "Dry fruits", 500, 399, 699),
            ("Cashews W320", "Dry fruits", 500, 499, 899),
        ]
    )
    brand = rng.choice(
        [
            "Tata Sampann",
            "Aashirvaad",
            "India Gate",
            "Haldiram's",
            "MDH",
            "Everest",
            "24 Mantra",
            "Happilo",
            "Brooke Bond",
        ]
    )
    organic = brand == "24 Mantra" or rng.random() < 0.1
    pack = rng.choice([1, 1, 1, 2, 3])
    weight = f"{grams // 1000} kg" if grams >= 1000 else f"{grams} g"
    return _Draft(
        title=f"{brand} {'Organic ' if organic else ''}{name}, {weight}"
        + (f" (Pack of {pack})" if pack > 1 else ""),
        brand=brand,
        description=f"{name} from {brand}.",
        price_rupees=_price(rng, low * pack, high * pack),
        attributes={
            "net_weight": grams * pack,
            "vegetarian": True,
            "grocery_type": kind,
            "organic": organic,
            "pack_of": pack,
        },
    )


MAKERS = {
    "electronics/mobiles": _mobile,
    "electronics/laptops": _laptop,
    "electronics/televisions": _television,
    "electronics/headphones": _headphones,
    "fashion/mens-shirts": _mens_shirt,
    "fashion/womens-kurtas": _kurta,
    "fashion/shoes": _shoes,
    "books": _book,
    "home-kitchen/kitchen-appliances": _kitchen,
    "home-kitchen/furniture": _furniture,
    "toys": _toy,
    "grocery": _grocery,
}


# What customers type for each demo category besides its name.
SEARCH_KEYWORDS = {
    "electronics/mobiles": "mobile phone phones smartphone cellphone",
    "electronics/laptops": "laptop notebook computer",
    "electronics/televisions": "tv television smart tv",
    "electronics/headphones": "headphone earphones earbuds headset",
    "fashion/mens-shirts": "shirt shirts men mens",
    "fashion/womens-kurtas": "kurta kurti women womens ethnic",
    "fashion/shoes": "shoe footwear sneakers",
    "fashion/t-shirts": "tshirt tshirts tee tees",
    "books": "book novel",
    "home-kitchen/kitchen-appliances": "kitchen appliance appliances",
    "home-kitchen/furniture": "furniture",
    "toys": "toy kids games",
    "grocery": "groceries food",
}

# HSN codes on GST invoices (docs/decisions/0031-gst-invoices.md); children without one inherit.
HSN_CODES = {
    "electronics/mobiles": "8517",  # telephones for cellular networks
    "electronics/laptops": "8471",  # automatic data-processing machines
    "electronics/televisions": "8528",  # monitors and television receivers
    "electronics/headphones": "8518",  # headphones and earphones
    "fashion/t-shirts": "6109",  # T-shirts, knitted
    "fashion/mens-shirts": "6205",  # men's shirts, not knitted
    "fashion/womens-kurtas": "6211",  # other garments (kurtas)
    "fashion/shoes": "6404",  # footwear with textile uppers
    "books": "4901",  # printed books
    "home-kitchen/kitchen-appliances": "8509",  # electro-mechanical domestic appliances
    "home-kitchen/furniture": "9403",  # other furniture
    "toys": "9503",  # toys, puzzles
    "grocery": "2106",  # food preparations not elsewhere specified
}


def seed_categories() -> dict[str, Category]:
    """The demo tree and schemas, created where missing (found by path and code). Returns them by path."""
    by_path = {c.path: c for c in Category.objects.filter(path__in=[p for p, _, _ in SCHEMA])}
    for position, (path, name, attributes) in enumerate(SCHEMA):
        parent_path, _, slug = path.rpartition("/")
        if path not in by_path:
            parent_id = by_path[parent_path].pk if parent_path else None
            by_path[path] = category_create(name=name, slug=slug, parent_id=parent_id, position=position,
                                            search_keywords=SEARCH_KEYWORDS.get(path, ""),
                                            hsn_code=HSN_CODES.get(path, ""))
        category = by_path[path]
        if HSN_CODES.get(path) and not category.hsn_code:  # seeded before invoices existed
            Category.objects.filter(pk=category.pk).update(hsn_code=HSN_CODES[path])
            category.hsn_code = HSN_CODES[path]
        have = dict(AttributeDefinition.objects.filter(category=category).values_list("code", "variant_option"))
        for order, spec in enumerate(attributes):
            if spec["code"] not in have:
                attribute_define(category_id=category.pk, position=order, **spec)
            elif spec.get("variant_option") and not have[spec["code"]]:  # seeded before variants existed
                AttributeDefinition.objects.filter(category=category, code=spec["code"]).update(variant_option=True)
                category_schema_changed(category_id=category.pk)
    return by_path


def _image_urls(path: str, sku: str, attributes: dict[str, Any]) -> list[str]:
    """A picture drawn for the item's category in its colour (its `…colour` attribute, or one
    chosen from its SKU), served from our own static files: the demo runs offline.

    The plain static path, not `static()`'s hashed name: production's manifest exists only after
    collectstatic (seeding must not need it), and a stored hash would go stale with the next one;
    collectstatic keeps the unhashed copies, which the web server serves too.
    """
    colour = next((value for code, value in attributes.items() if code.endswith("colour")), None)
    name = picture_name(SKU_CODES[path], colour if isinstance(colour, str) else None, sku)
    return [f"{settings.STATIC_URL}catalog/demo/{name}"]


def demo_item_ids() -> list[int]:
    """The items `seed_catalog` made (their SKUs start with DEMO-), never a seller's own: the ones
    seed_demo stocks. Left out: the T-shirt's sold-out size (no stock, so its page says so)."""
    return list(Item.objects.filter(sku__startswith="DEMO-").exclude(sku__in=TEE_SOLD_OUT)
                .order_by("pk").values_list("pk", flat=True))


# One listing with options: a T-shirt in three sizes and two colours, six SKUs, size L sold out.
TEE_PARENT_SKU = "DEMO-TEE-001"
TEE_SIZES = {"S": 0, "M": 0, "L": 10_000}  # size -> extra price in paise
TEE_COLOURS = ["White", "Navy"]
TEE_MIN_ITEMS = 12  # a smaller demo is all drawn items
TEE_SOLD_OUT = [f"{TEE_PARENT_SKU}-L-{colour.upper()}" for colour in TEE_COLOURS]


def seed_variants(*, seller_id: int, categories: dict[str, Category]) -> int:
    """The demo's T-shirt listing (six variants), made through the services like a seller's;
    those it has already are left alone. Returns how many were created."""
    have = set(Item.objects.filter(sku__startswith=f"{TEE_PARENT_SKU}-").values_list("sku", flat=True))
    created = 0
    for colour in TEE_COLOURS:
        for size, extra in TEE_SIZES.items():
            sku = f"{TEE_PARENT_SKU}-{size}-{colour.upper()}"
            if sku in have:
                continue
            item_create(
                seller_id=seller_id, sku=sku, parent_sku=TEE_PARENT_SKU,
                title=f"Bazaar Basics Men's Round Neck Cotton T-shirt ({colour}, {size})",
                brand="Bazaar Basics", category_id=categories["fashion/t-shirts"].pk, price_paise=49_900 + extra,
                description="A soft 180 gsm cotton T-shirt with a round neck, regular fit.",
                images=[f"{settings.STATIC_URL}catalog/demo/{picture_name('MSH', colour, sku)}"],
                attributes={"colour": colour, "size": size, "neck": "Round", "fabric": "Cotton",
                            "care": "Machine wash cold"},
            )
            created += 1
    return created


def seed_catalog(*, seller_ids: list[int], items: int = 3000, seed: int = 7) -> int:
    """Create the demo categories and `items` items spread over `seller_ids`; returns how many
    items were created (0 when they exist already). From TEE_MIN_ITEMS items on, six of them are
    the T-shirt listing (seed_variants) and the rest are drawn."""
    if not seller_ids:
        raise ValueError("seed_catalog needs at least one seller id")
    rng = random.Random(seed)
    with transaction.atomic():
        categories = seed_categories()
        schemas = {path: category_schema(categories[path]) for path in MAKERS}
        paths = list(WEIGHTS)
        plan: list[tuple[str, str, int]] = []
        counters = dict.fromkeys(paths, 0)
        with_variants = items >= TEE_MIN_ITEMS
        drawn = items - len(TEE_SIZES) * len(TEE_COLOURS) if with_variants else items
        for path in rng.choices(paths, weights=[WEIGHTS[p] for p in paths], k=drawn):
            counters[path] += 1
            plan.append((path, f"DEMO-{SKU_CODES[path]}-{counters[path]:05d}", rng.choice(seller_ids)))
        # By SKU alone: a rerun with other seller ids still adds nothing.
        existing = set(Item.objects.filter(sku__startswith="DEMO-").values_list("sku", flat=True))
        new_items: list[Item] = []
        attributes: list[dict[str, Any]] = []
        for path, sku, seller_id in plan:
            draft = MAKERS[path](rng)  # drawn for every row, so the stream is the same on a rerun
            rating = Decimal(rng.randint(30, 49)) / 10
            rating_count = int(rng.paretovariate(1.2) * 20) if rng.random() > 0.05 else 0
            if sku in existing:
                continue
            category = categories[path]
            attributes.append(
                attributes_validate(schemas[path], draft.attributes, category_name=category.name)
            )
            new_items.append(
                Item(
                    seller_id=seller_id,
                    sku=sku,
                    title=draft.title[:200],
                    brand=draft.brand,
                    description=draft.description,
                    category=category,
                    price_paise=draft.price_rupees * 100,
                    images=_image_urls(path, sku, draft.attributes),
                    status=ItemStatus.ACTIVE,
                    rating=rating if rating_count else Decimal("0.0"),
                    rating_count=min(rating_count, 50000),
                )
            )
        Item.objects.bulk_create(new_items, batch_size=500)
        documents_write(
            [
                Document(item.pk, item.category_id, attrs, item.version)
                for item, attrs in zip(new_items, attributes, strict=True)
            ]
        )
        for item, attrs in zip(new_items, attributes, strict=True):
            emit(ITEM_CREATED, key=item.pk, payload=snapshot_of(item, attrs).as_payload())
        variants = seed_variants(seller_id=seller_ids[0], categories=categories) if with_variants else 0
    transaction.on_commit(facet_indexes_ensure)
    return len(new_items) + variants
