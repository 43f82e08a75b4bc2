"""The hub repository: one target per locked package, written by `ofiuco lock`."""

_DETECT = "import sys; print('%d.%d' % sys.version_info[:2])"

def detect_host_python(rctx):
    """Detects the version of the host `python3`.

    Args:
      rctx: a repository_ctx or module_ctx.

    Returns:
      The `3.X` version, or None when there is no `python3` on PATH.
    """
    python = rctx.which("python3")
    if not python:
        return None
    res = rctx.execute([python, "-c", _DETECT])
    return res.stdout.strip() if res.return_code == 0 else None

def run_lock(ctx, helper, lock, output, hub_name, python_version, host_python):
    """Runs `ofiuco lock`; fails with its message when the lock is refused.

    Args:
      ctx: a repository_ctx or module_ctx.
      helper: path of the `ofiuco` binary.
      lock: path of the lock file.
      output: directory to write the hub into.
      hub_name: the hub's apparent repository name.
      python_version: the `3.X` version that `auto` stands for, or "" to let the helper choose.
      host_python: the host `python3`'s `3.X` version, or None.
    """
    args = [helper, "lock", lock, "--output", output, "--hub-name", hub_name]
    if python_version:
        args.extend(["--python-version", python_version])
    if host_python:
        args.extend(["--host-python", host_python])
    res = ctx.execute(args)
    if res.return_code != 0:
        fail("ofiuco: cannot read {}:\n{}".format(lock, res.stderr))

def _hub_repo_impl(rctx):
    lock = rctx.path(rctx.attr.lock)
    rctx.watch(lock)
    pyproject = lock.dirname.get_child("pyproject.toml")
    if pyproject.exists:
        rctx.watch(pyproject)
    host_python = detect_host_python(rctx) if not rctx.attr.python_version else None
    run_lock(rctx, rctx.path(rctx.attr._helper), lock, rctx.path("."), rctx.attr.hub_name, rctx.attr.python_version, host_python)

hub_repo = repository_rule(
    implementation = _hub_repo_impl,
    doc = "The generated hub repository of one lock file (`@poetry//:numpy`).",
    attrs = {
        "hub_name": attr.string(mandatory = True, doc = "The apparent name of the hub; file repositories are `<hub_name>__<file>`."),
        "lock": attr.label(mandatory = True, allow_single_file = True, doc = "The lock file."),
        "python_version": attr.string(doc = "The Python version that `@ofiuco//python/config:python_version=auto` means. Default: the host `python3`'s when the lock allows it, else the newest the lock allows."),
        "_helper": attr.label(default = "@ofiuco_helper//:ofiuco"),
    },
)
