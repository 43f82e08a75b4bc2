"""`py_venv`: locked packages merged into one site-packages tree, usable in `deps`.

```starlark
load("@ofiuco//python:py_venv.bzl", "py_venv")

py_venv(name = "torch", deps = ["@poetry//:numpy", "@poetry//:torch"])
```
"""

load("//python/private:py_venv.bzl", _py_venv = "py_venv")

py_venv = _py_venv
