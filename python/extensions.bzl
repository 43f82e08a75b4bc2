"""Module extensions of ofiuco.

```starlark
poetry = use_extension("@ofiuco//python:extensions.bzl", "poetry")
poetry.parse(name = "poetry", lock = "//:poetry.lock")
use_repo(poetry, "poetry")
```

For a uv.lock (the `poetry` extension reads it too; `uv` is the same
extension under the name uv users look for):

```starlark
uv = use_extension("@ofiuco//python:extensions.bzl", "uv")
uv.parse(name = "uv", lock = "//:uv.lock")
use_repo(uv, "uv")
```

A lock is a poetry.lock (with the pyproject.toml beside it), a uv.lock or a
pylock.toml (PEP 751); the format comes from the file's name and content.

Each `parse` tag generates a hub repository `@<name>` with one target per
locked package (`@poetry//:numpy`, PEP 503 names, with `_` spelling aliases),
`name[extra]` targets for extras, and `group.<group>` targets for the
project's dependency groups (`group.main`: its runtime dependencies). Every distribution file is its own lazily
fetched repository.

`bazel query @poetry//:all` lists a hub's names. A name the hub does not have
is Bazel's `no such target` error; for a close misspelling Bazel adds
`(did you mean numpy?)` itself. For likely names it cannot guess, import
names (`yaml`, `PIL`, `sklearn`, `cv2`, ...) and short names (`dateutil` for
`python-dateutil`, `opencv` for `opencv-python`), the hub declares a target
(tagged `manual`) that fails with `did you mean @poetry//:pyyaml`. Any other
unknown name gets Bazel's bare error: a repository cannot answer for
arbitrary names.
"""

load("//python/private:extension.bzl", _poetry = "poetry", _uv = "uv")

poetry = _poetry
uv = _uv
