from __future__ import annotations

import pytest


@pytest.hookimpl(tryfirst=True)  # before tests/xdist_groups.py appends its group suffix
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give each Schemathesis operation test a node id of its own.

    Schemathesis 4.32 names its items `test[GET /api/v1/cart]`, but under pytest 9 they all get the
    test function's node id. pytest-xdist schedules by node id, so `make test` (-n 2) would run one
    operation of the 28 and report the module green. A test in the module checks the ids differ.
    """
    from _pytest.nodeid import coerce_node_id

    for item in items:
        if not item.nodeid.startswith("tests/api/test_schema_conformance.py::"):
            continue
        module, _, function = item.nodeid.partition("::")
        if item.name != function and item.name.startswith(function.split("[")[0] + "["):
            item._id = coerce_node_id(f"{module}::{item.name}")
