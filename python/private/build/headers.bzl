"""What a build from source for a target environment reads: pinned CPython headers, and zig's library for that target."""

load("//python/private:envs.bzl", "pick")
load("//python/private:envs_table.bzl", "ENVS")
load("//python/private:python_headers_repo.bzl", "PYTHON_HEADERS", "headers_repo_name")
load("//python/private:zig_repo.bzl", "ZIG_LINUX_CPUS")

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

def target_zig_files(name):
    """An alias to the part of zig's library a linux glibc target needs, else to all of it.

    Args:
      name: the alias's name.
    """
    groups = {}
    for i, (_key, _python, os, cpu, libc) in enumerate(ENVS):
        if os == "linux" and libc.startswith("glibc") and cpu in ZIG_LINUX_CPUS:
            groups.setdefault("@ofiuco_zig//:files_linux_{}_gnu".format(cpu), []).append(i)
    native.alias(name = name, actual = pick(groups, default = "@ofiuco_zig//:files"))
