"""`@ofiuco_host_python`: the version of the host's `python3`, for the default target Python."""

_DETECT = "import sys; print('%d.%d%s' % (sys.version_info[0], sys.version_info[1], 't' if getattr(sys, '_is_gil_enabled', lambda: True)() is False else ''))"

def detect_host_python(rctx):
    """The `3.X` (or `3.Xt`) version of the host `python3`, or "" when there is none.

    Args:
      rctx: a repository_ctx or module_ctx.

    Returns:
      The version string.
    """
    python = rctx.which("python3")
    if not python:
        return ""
    res = rctx.execute([python, "-c", _DETECT])
    return res.stdout.strip() if res.return_code == 0 else ""

def _host_python_repo_impl(rctx):
    version = detect_host_python(rctx)
    rctx.file("BUILD.bazel", 'exports_files(["defs.bzl"], visibility = ["//visibility:public"])\n')
    rctx.file("defs.bzl", "\n".join([
        '"""Detected by ofiuco from the host `python3` (re-detected when PATH changes)."""',
        "",
        "HOST_PYTHON = " + json.encode(version),
        "",
    ]))

host_python_repo = repository_rule(
    implementation = _host_python_repo_impl,
    doc = "Writes `defs.bzl` with `HOST_PYTHON`, the `3.X` version of the `python3` on PATH (`\"\"` without one): the Python rules_python's autodetecting toolchain runs host tests with.",
    environ = ["PATH"],
    configure = True,
)
