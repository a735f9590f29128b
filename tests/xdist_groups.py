"""A pytest plugin that makes `--dist loadgroup` honour `xdist_group` marks under pytest 9.

pytest-xdist 3.8 tells its scheduler a test's group by appending `@group` to the test's node id,
which it writes to `item._nodeid`; pytest 9 keeps node ids in `item._id` and no longer reads
`_nodeid`, so every group is silently ignored (each worker would start its own Kafka, Cassandra
and OpenSearch). This applies the suffix where pytest 9 reads it. Remove it once pytest-xdist
handles pytest 9: tests/architecture/test_xdist_groups.py fails when grouping stops working.
"""

from __future__ import annotations

import pytest


@pytest.hookimpl(trylast=True)  # after every hook that adds xdist_group marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not getattr(config.option, "loadgroup", False):  # set on xdist workers under --dist loadgroup
        return
    from _pytest.nodeid import coerce_node_id

    for item in items:
        groups = sorted({str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                         for mark in item.iter_markers("xdist_group")})
        suffix = "@" + "_".join(groups)
        if groups and not item.nodeid.endswith(suffix):
            item._id = coerce_node_id(item.nodeid + suffix)
