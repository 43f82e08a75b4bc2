"""The `poetry` and `uv` module extensions: lock file -> hub repository + file repositories."""

load(":hints.bzl", "declared_names", "hint_names")
load(":hub_repo.bzl", "hub_repo", "run_lock")
load(":lock_targets.bzl", "lock_files_repo", "lock_targets_build")
load(":providers.bzl", "normalize_name")
load(":source_repo.bzl", "git_source_repo", "local_source_repo")
load(":whl_file_repo.bzl", "missing_build_requirement", "whl_file_repo")

BUILD_TOOLS_HUB = "ofiuco_build_tools"
_BUILD_TOOLS_LOCK = Label("//python/private/build_tools:poetry.lock")

def _lock_one(mctx, helper, name, lock_label, policy, build_default = "auto"):
    """Runs `ofiuco lock` for one hub: (files.json's files, BUILD.bazel text, files.json's sources)."""
    lock = mctx.path(lock_label)
    mctx.watch(lock)
    pyproject = lock.dirname.get_child("pyproject.toml")
    if pyproject.exists:
        mctx.watch(pyproject)
    scratch = mctx.path("_lock/" + name)
    policy_file = None
    if policy:
        policy_file = mctx.path("_lock/" + name + ".build.json")
        mctx.file(policy_file, json.encode(policy))
    if not _try_lock(mctx, helper, lock, scratch, name, policy_file, build_default):
        # Refused: a merely stale poetry.lock is read alone; anything else fails with the helper's message.
        if str(lock_label).rpartition(":")[2] == "poetry.lock" and pyproject.exists:
            lock = _stale_poetry_lock(mctx, helper, name, lock)
        run_lock(mctx, helper, lock, scratch, name, policy_file, build_default)
    spec = json.decode(mctx.read(scratch.get_child("files.json")))
    return spec["files"], mctx.read(scratch.get_child("BUILD.bazel")), spec.get("sources", [])

def _check_local_build_requires(mctx, helper, sources, lock, build_tools, wheels):
    """Fails here, not at fetch time, when a local directory's `[build-system]` requires what no build tool provides.

    Only what the extension can read: directories of the workspace with a
    pyproject.toml (git checkouts and sdists are read when fetched). Anything
    else wrong with a directory (outside the workspace, missing, unreadable)
    is left to its repository's own message. Each pyproject.toml read is
    watched: editing it evaluates the extension again.
    """
    lock_dir = str(mctx.path(lock).dirname)
    for s in sources:
        if s["kind"] == "git" or s["package"] in wheels:
            continue
        path = s["path"] if s["path"].startswith("/") else lock_dir + "/" + s["path"]
        pyproject = mctx.path(path + "/pyproject.toml")
        if not pyproject.exists:
            continue
        mctx.watch(pyproject)
        scratch = mctx.path("_ofiuco_sdist_info_{}.json".format(s["repo"]))
        res = mctx.execute([helper, "sdist-info", "--dir", str(pyproject.dirname), "--output", str(scratch)])
        if res.return_code != 0:
            continue
        info = json.decode(mctx.read(scratch))
        problem = missing_build_requirement(
            info,
            build_tools,
            s["package"],
            s["version"],
            "the local directory {} (of {})".format(repr(s["path"]), lock),
            also = [],
        )
        if problem:
            fail(problem)

def _declare_sources(repos, sources, lock, build_tools):
    """The source trees of packages built from git checkouts and local directories."""
    for s in sources:
        if s["kind"] == "git":
            repos.git_source_repo(
                name = s["repo"],
                url = s["url"],
                commit = s["commit"],
                reference = s.get("reference", ""),
                subdirectory = s.get("subdirectory", ""),
                package = s["package"],
                version = s["version"],
                build_tools = build_tools,
            )
        else:
            repos.local_source_repo(
                name = s["repo"],
                lock = lock,
                path = s["path"],
                editable = s.get("editable", False),
                package = s["package"],
                version = s["version"],
                build_tools = build_tools,
            )

def _try_lock(mctx, helper, lock, output, hub_name, build_policy, build_default):
    """`run_lock`'s `ofiuco lock`, without failing: whether the lock was read."""
    cmd = [helper, "lock", lock, "--output", output, "--hub-name", hub_name, "--build-default", build_default]
    if build_policy:
        cmd += ["--build-policy", build_policy]
    return mctx.execute(cmd).return_code == 0

def _stale_poetry_lock(mctx, helper, name, lock):
    """The lock to render when `ofiuco lock` refused a poetry.lock: a stale one is read without its pyproject.toml.

    The pyproject.toml beside a poetry.lock gives the hub its groups, and a
    dependency it names that the lock lacks is an error. When the refused
    lock is merely stale (`ofiuco check-lock`), the hub comes from the lock
    alone, so that `bazel run @hub//:lock` and the locked packages still
    work; its `:lock_test` fails until the lock is renewed.
    """
    res = mctx.execute([helper, "check-lock", lock, "--relock", "bazel run @{}//:lock".format(name)])
    if res.return_code == 0 or "is out of date" not in res.stderr:
        return lock
    alone = mctx.path("_lock/" + name + ".stale/poetry.lock")
    mctx.file(alone, mctx.read(lock))

    # buildifier: disable=print
    print("ofiuco: hub `{}` is made from {} without its pyproject.toml (no `group.*` targets) until the lock is renewed:\n{}".format(name, lock, res.stderr))
    return alone

def _declare(repos, name, files, build, build_tools, sources = [], lock = None):
    _declare_sources(repos, sources, lock, build_tools)
    for f in files:
        sdist = f.get("sdist", False)
        local = {"lock": lock, "path": f["path"]} if f.get("path") else {}
        repos.whl_file_repo(
            name = f["repo"],
            filename = f["filename"],
            sha256 = f["sha256"],
            package = f["package"],
            version = f["version"],
            indexes = f["indexes"],
            urls = f["urls"],
            sdist = sdist,
            build_tools = build_tools if sdist else {},
            **local
        )
    packages = {normalize_name(f["package"]): True for f in files}
    repos.hub_repo(
        name = name,
        apparent_name = name,
        build_file_content = build,
        hints = hint_names(packages.keys(), declared_names(build)),
    )

def _policies(mctx, hubs):
    """`poetry.build` tags -> {hub: {normalized package: policy}} (the helper's --build-policy)."""
    out = {}
    for mod in mctx.modules:
        for tag in getattr(mod.tags, "build", []):
            if tag.hub not in hubs:
                fail("ofiuco: `poetry.build(hub = \"{}\", package = \"{}\")` names no hub; the hubs are {}.".format(tag.hub, tag.package, ", ".join(sorted(hubs)) or "none"))
            key = normalize_name(tag.package)
            if key in out.get(tag.hub, {}):
                fail("ofiuco: two `poetry.build` tags for {} in hub `{}`; merge them into one.".format(tag.package, tag.hub))
            policy = {"mode": tag.mode}
            if tag.wheel:
                policy["wheel"] = str(tag.wheel)
            if tag.native:
                policy["native"] = True
            out.setdefault(tag.hub, {})[key] = policy
    return out

def _build_tools(mctx, hubs, tool_files):
    """Normalized name -> hub target of every build tool: users' `poetry.build_tools` hubs first, then ofiuco's."""
    tools = {}
    replace = False
    for mod in mctx.modules:
        for tag in getattr(mod.tags, "build_tools", []):
            if tag.hub not in hubs:
                fail("ofiuco: `poetry.build_tools(hub = \"{}\")` names no hub; the hubs are {}.".format(tag.hub, ", ".join(sorted(hubs))))
            replace = replace or tag.replace_default
            for f in hubs[tag.hub]:
                tools.setdefault(f["package"], "@{}//:{}".format(tag.hub, f["package"]))
    if not replace:
        for f in tool_files:
            tools.setdefault(f["package"], "@{}//:{}".format(BUILD_TOOLS_HUB, f["package"]))
    return tools

# The lock tools by lock file name: poetry and uv write only these names.
_LOCK_TOOLS = {"poetry.lock": "poetry", "uv.lock": "uv"}

def _with_lock_targets(repos, hub, lock, build):
    """`build` with `:lock`, `:update` and `:lock_test` for a poetry.lock or uv.lock."""
    if type(lock) != "Label":
        lock = Label(lock)  # the unit tests' mock tags
    tool = _LOCK_TOOLS.get(lock.name)
    if not tool:
        return build
    repos.lock_files_repo(name = hub + "__lock_files", lock = lock)
    load_statement, targets = lock_targets_build(hub, lock, tool)
    return load_statement + build + targets

_REPOS = struct(git_source_repo = git_source_repo, hub_repo = hub_repo, local_source_repo = local_source_repo, lock_files_repo = lock_files_repo, whl_file_repo = whl_file_repo)

def poetry_impl(mctx, repos = _REPOS, extension = "poetry"):
    """Declares a hub and its file repositories for every `parse` tag.

    Args:
      mctx: the module_ctx (tests pass a mock).
      repos: the repository rules to call (tests pass recorders).
      extension: the extension's name (`poetry` or `uv`), for messages.

    Returns:
      The extension's metadata.
    """
    helper = mctx.path(Label("@ofiuco_helper//:ofiuco"))
    seen = {}
    tags = []
    for mod in mctx.modules:
        for tag in mod.tags.parse:
            if tag.name in seen:
                fail("ofiuco: two `{}.parse` tags are named `{}` ({} and {}); give each lock its own hub name.".format(extension, tag.name, seen[tag.name], tag.lock))
            if tag.name == BUILD_TOOLS_HUB:
                fail("ofiuco: the hub name `{}` is ofiuco's own (its build tools); choose another name for {}.".format(tag.name, tag.lock))
            seen[tag.name] = tag.lock
            tags.append(tag)
    policies = _policies(mctx, seen)
    locked = {}
    for tag in tags:
        locked[tag.name] = _lock_one(mctx, helper, tag.name, tag.lock, policies.get(tag.name, {})) + (tag.lock,)

    # ofiuco's build tools: a hub like any other, whose files are only fetched
    # when a build from source needs them. Never built from source themselves.
    # Each extension (`poetry`, `uv`) declares its own, for its hubs' sdists.
    tool_files, tool_build, _ = _lock_one(mctx, helper, BUILD_TOOLS_HUB, _BUILD_TOOLS_LOCK, {}, build_default = "never")
    build_tools = _build_tools(mctx, {name: files for name, (files, _, _, _) in locked.items()}, tool_files)
    _declare(repos, BUILD_TOOLS_HUB, tool_files, tool_build, {})
    for tag in tags:
        files, build, sources, lock = locked[tag.name]
        no_build = {p: True for p, policy in policies.get(tag.name, {}).items() if policy.get("wheel") or policy["mode"] == "never"}
        _check_local_build_requires(mctx, helper, sources, lock, build_tools, no_build)
        _declare(repos, tag.name, files, _with_lock_targets(repos, tag.name, tag.lock, build), build_tools, sources, lock)
    return mctx.extension_metadata(reproducible = True)

def uv_impl(mctx, repos = _REPOS):
    """The `uv` extension: `poetry_impl` under the name uv users look for.

    Args:
      mctx: the module_ctx (tests pass a mock).
      repos: the repository rules to call (tests pass recorders).

    Returns:
      The extension's metadata.
    """
    return poetry_impl(mctx, repos, extension = "uv")

_LOCK_DOC = "The lock file: a `poetry.lock` (lock-version 1.1, 2.0 or 2.1, read with the `pyproject.toml` beside it), a `uv.lock` (version 1) or a `pylock.toml` / `pylock.<name>.toml` (PEP 751). The format comes from the file's name and content; a name and content that disagree are an error."
_NAME_DOC = "The hub's repository name, e.g. `poetry` for `@poetry//:numpy`."

_parse = tag_class(
    doc = "Generate a hub repository `@<name>` from a lock file (poetry.lock, uv.lock or pylock.toml).",
    attrs = {
        "lock": attr.label(mandatory = True, doc = _LOCK_DOC),
        "name": attr.string(mandatory = True, doc = _NAME_DOC),
    },
)

_uv_parse = tag_class(
    doc = "Generate a hub repository `@<name>` from a uv.lock (or a pylock.toml, or a poetry.lock): the same hub as `poetry.parse`.",
    attrs = {
        "lock": attr.label(mandatory = True, doc = _LOCK_DOC),
        "name": attr.string(mandatory = True, doc = "The hub's repository name, e.g. `uv` for `@uv//:numpy`."),
    },
)

_build = tag_class(
    doc = """How one package of a hub is built from its sdist.

By default (`mode = "auto"`) a package is built from the sdist in its lock
wherever no locked wheel fits the target (e.g. linux aarch64 with a glibc
2.26 ceiling); see README "Building from source".""",
    attrs = {
        "hub": attr.string(mandatory = True, doc = "The hub (a `poetry.parse` name) the package is locked in."),
        "mode": attr.string(default = "auto", values = ["auto", "always", "never"], doc = "`auto`: build where no wheel fits; `always`: build for every target, ignoring the lock's wheels; `never`: do not build (where no wheel fits, analysis fails naming the files)."),
        "native": attr.bool(doc = "The built wheel must contain compiled code: a pure-Python result (e.g. a setup.py that silently falls back after a failed compile) is an error. Packages with a binary wheel in the lock are native without this."),
        "package": attr.string(mandatory = True, doc = "The package name (any spelling; PEP 503 normalized)."),
        "wheel": attr.label(allow_single_file = [".whl"], doc = "A wheel of your own, used for every target instead of the lock's files (no build)."),
    },
)

_build_tools_tag = tag_class(
    doc = """A hub whose packages satisfy build requirements (`build-system.requires`) before ofiuco's
default build tools (`@ofiuco_build_tools`: setuptools, wheel, Cython, packaging, ...), e.g. a lock
with a Poetry `build` group.""",
    attrs = {
        "hub": attr.string(mandatory = True, doc = "A hub declared by `poetry.parse`."),
        "replace_default": attr.bool(doc = "Use only the named hubs, not ofiuco's default build tools."),
    },
)

poetry = module_extension(
    implementation = poetry_impl,
    doc = """Reads lock files (poetry.lock, uv.lock, pylock.toml) into hub repositories: one public target per locked package (`@<name>//:numpy`), extra (`:requests[socks]`) and dependency group (`:group.dev`).

The helper reads each lock once per change of the lock or of the
`pyproject.toml` beside it (both are watched). A lock it cannot read fails the
extension with a message naming the file, the package and the line.

Packages without a wheel for the target are built from their sdists
(`poetry.build`, `poetry.build_tools`; README "Building from source").""",
    tag_classes = {"build": _build, "build_tools": _build_tools_tag, "parse": _parse},
)

uv = module_extension(
    implementation = uv_impl,
    doc = "The `poetry` extension under the name uv users look for: `uv.parse(name, lock)` reads a uv.lock into the same kind of hub. A module may use both, one hub per lock.",
    tag_classes = {"parse": _uv_parse},
)
