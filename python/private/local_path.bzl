"""Local paths of a lock (poetry `directory`/`file`, uv `directory`/`editable`/`path`), resolved inside the workspace."""

def _normalize(path):
    """`a/./b/../c` -> `a/c` (None when `..` climbs above the start)."""
    absolute = path.startswith("/")
    parts = []
    for part in path.split("/"):
        if part in ["", "."]:
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return ("/" if absolute else "") + "/".join(parts)

def _repo_root(rctx, lock):
    """The root of the repository (workspace) holding the lock file."""
    root = rctx.path(lock).dirname
    for _ in [p for p in lock.package.split("/") if p]:
        root = root.dirname
    return root

def resolve_local_path(rctx, lock, path, what):
    """The absolute path of a lock's local `path` (relative to the lock's directory), checked to be inside the workspace.

    Args:
      rctx: the repository_ctx.
      lock: the Label of the lock file.
      path: the path as the lock records it.
      what: `<package> <version>`, for messages.

    Returns:
      The path (a `path` object); fails with one message when it is outside the workspace or missing.
    """
    root = str(_repo_root(rctx, lock))
    lock_dir = str(rctx.path(lock).dirname)
    joined = _normalize(path if path.startswith("/") else lock_dir + "/" + path)
    inside = joined and (joined == root or joined.startswith(root + "/"))
    if inside:
        # Symlinks must not lead out either.
        real = str(rctx.path(joined).realpath) if rctx.path(joined).exists else joined
        real_root = str(rctx.path(root).realpath)
        inside = real == real_root or real.startswith(real_root + "/")
    if not inside:
        fail(("ofiuco: cannot build {what}: its lock {lock} names the local path {path}, which is outside the workspace {root}.\n" +
              "hint: ofiuco builds only from paths inside the workspace, so that Bazel sees their files: move the package " +
              "into the workspace (and re-lock), or supply a wheel with `poetry.build(package = ..., wheel = ...)`.").format(
            what = what,
            lock = lock,
            path = repr(path),
            root = root,
        ))
    resolved = rctx.path(joined)
    if not resolved.exists:
        fail(("ofiuco: cannot build {what}: its lock {lock} names the local path {path} ({resolved}), which does not exist.\n" +
              "hint: re-lock (e.g. `poetry lock`, `uv lock`) after moving the package, or restore it.").format(
            what = what,
            lock = lock,
            path = repr(path),
            resolved = joined,
        ))
    return resolved

def check_project_dir(directory, what, origin):
    """Fails unless `directory` has a pyproject.toml or a setup.py (what a PEP 517 build needs).

    Args:
      directory: a `path` object.
      what: `<package> <version>`, for messages.
      origin: where the directory comes from, for messages.
    """
    if not directory.is_dir:
        fail("ofiuco: cannot build {} from {}: {} is not a directory.\nhint: re-lock, or fix the dependency's path.".format(what, origin, directory))
    if not directory.get_child("pyproject.toml").exists and not directory.get_child("setup.py").exists:
        fail(("ofiuco: cannot build {} from {}: {} has neither a pyproject.toml nor a setup.py, so no build backend can build it.\n" +
              "hint: point the dependency at the directory of the Python project (for git, its `subdirectory`), " +
              "or add a pyproject.toml with a `[build-system]`.").format(what, origin, directory))
