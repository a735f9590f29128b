from tests.cart.fixtures import (  # noqa: F401
    api,
    category,
    customer,
    customer_client,
    make_item,
    retire,
    set_price,
    set_stock,
)
