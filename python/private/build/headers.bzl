"""Which pinned CPython headers a target environment uses."""

load("//python/private:envs.bzl", "pick")
load("//python/private:envs_table.bzl", "ENVS")
load("//python/private:python_headers_repo.bzl", "PYTHON_HEADERS", "headers_repo_name")

def target_headers(name):
    """An alias to the pinned headers of the target's (Python, CPU), else to `:no_headers`.

    Args:
      name: the alias's name.
    """
    groups = {}
    for i, (_key, python, os, cpu, libc) in enumerate(ENVS):
        if os == "linux" and libc.startswith("glibc") and (python, cpu) in PYTHON_HEADERS:
            label = "@{}//:headers".format(headers_repo_name(python, cpu))
            groups.setdefault(label, []).append(i)
    native.alias(name = name, actual = pick(groups, default = ":no_headers"))
