from tests.cart.fixtures import (  # noqa: F401
    category,
    customer,
    make_item,
    retire,
    set_price,
    set_stock,
)
