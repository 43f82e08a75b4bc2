"""The `poetry` module extension: lock file -> hub repository + file repositories."""

load(":hints.bzl", "declared_names", "hint_names")
load(":hub_repo.bzl", "hub_repo", "run_lock")
load(":providers.bzl", "normalize_name")
load(":whl_file_repo.bzl", "whl_file_repo")

def _parse_one(mctx, helper, tag, repos):
    lock = mctx.path(tag.lock)
    mctx.watch(lock)
    pyproject = lock.dirname.get_child("pyproject.toml")
    if pyproject.exists:
        mctx.watch(pyproject)
    scratch = mctx.path("_lock/" + tag.name)
    run_lock(mctx, helper, lock, scratch, tag.name)
    spec = json.decode(mctx.read(scratch.get_child("files.json")))
    for f in spec["files"]:
        repos.whl_file_repo(
            name = f["repo"],
            filename = f["filename"],
            sha256 = f["sha256"],
            package = f["package"],
            version = f["version"],
            indexes = f["indexes"],
            urls = f["urls"],
        )
    build = mctx.read(scratch.get_child("BUILD.bazel"))
    packages = {normalize_name(f["package"]): True for f in spec["files"]}
    repos.hub_repo(
        name = tag.name,
        apparent_name = tag.name,
        build_file_content = build,
        hints = hint_names(packages.keys(), declared_names(build)),
    )

_REPOS = struct(hub_repo = hub_repo, whl_file_repo = whl_file_repo)

def poetry_impl(mctx, repos = _REPOS):
    """Declares a hub and its file repositories for every `poetry.parse` tag.

    Args:
      mctx: the module_ctx (tests pass a mock).
      repos: the repository rules to call (tests pass recorders).

    Returns:
      The extension's metadata.
    """
    helper = mctx.path(Label("@ofiuco_helper//:ofiuco"))
    seen = {}
    for mod in mctx.modules:
        for tag in mod.tags.parse:
            if tag.name in seen:
                fail("ofiuco: two `poetry.parse` tags are named `{}` ({} and {}); give each lock its own hub name.".format(tag.name, seen[tag.name], tag.lock))
            seen[tag.name] = tag.lock
            _parse_one(mctx, helper, tag, repos)
    return mctx.extension_metadata(reproducible = True)

_parse = tag_class(
    doc = "Generate a hub repository `@<name>` from a poetry.lock (and the pyproject.toml beside it).",
    attrs = {
        "lock": attr.label(mandatory = True, doc = "The `poetry.lock` file (lock-version 1.1, 2.0 or 2.1)."),
        "name": attr.string(mandatory = True, doc = "The hub's repository name, e.g. `poetry` for `@poetry//:numpy`."),
    },
)

poetry = module_extension(
    implementation = poetry_impl,
    doc = """Reads Poetry lock files into hub repositories: one public target per locked package (`@<name>//:numpy`), extra (`:requests[socks]`) and dependency group (`:group.dev`).

The helper reads each lock once per change of the lock or of the
`pyproject.toml` beside it (both are watched). A lock it cannot read fails the
extension with a message naming the file, the package and the line.""",
    tag_classes = {"parse": _parse},
)
