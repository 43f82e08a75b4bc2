"""Module extensions of ofiuco.

```starlark
poetry = use_extension("@ofiuco//python:extensions.bzl", "poetry")
poetry.parse(name = "poetry", lock = "//:poetry.lock")
use_repo(poetry, "poetry")
```

Each `parse` tag generates a hub repository `@<name>` with one target per
locked package (`@poetry//:numpy`, PEP 503 names, with `_` spelling aliases),
`name[extra]` targets for extras, and `group.<group>` targets for the
pyproject's dependency groups. Every distribution file is its own lazily
fetched repository.
"""

load("//python/private:extension.bzl", _poetry = "poetry")

poetry = _poetry
