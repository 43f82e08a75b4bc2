"""A uv workspace member that ofiuco builds from its directory."""

import six


def describe() -> str:
    return "member on six " + six.__version__
