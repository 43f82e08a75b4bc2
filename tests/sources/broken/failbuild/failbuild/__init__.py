from failbuild._speedups import answer  # noqa: F401
