"""Source trees of packages built from source: `git_source_repo` (a git checkout pinned to the locked commit) and `local_source_repo` (a directory of the workspace)."""

load(":local_path.bzl", "check_project_dir", "resolve_local_path")
load(":providers.bzl", "CARGO_VENDOR_DIR")
load(":whl_file_repo.bzl", "build_requires_text")

# Files that are Bazel's, not the Python project's: a BUILD file inside the
# tree would cut it into packages that `glob` does not enter.
_BAZEL_FILES = ["BUILD", "BUILD.bazel", "WORKSPACE", "WORKSPACE.bazel", "WORKSPACE.bzlmod", "MODULE.bazel", "REPO.bazel"]

# Not copied from a local directory: tool state that is no part of the
# project's sources (and would make every build see a change).
_SKIPPED_DIRS = [".git", ".hg", ".venv", "venv", ".tox", ".nox", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", "build", "dist"]

# `{tree}` and `{root}` are string literals made by repr().
_TREE_BUILD = """\
package(default_visibility = ["//visibility:public"])

# The package's source tree, built by the hub's `sdist_build` target.
filegroup(
    name = "tree",
    srcs = glob([{pattern}], exclude = ["BUILD.bazel", {vendor}], exclude_directories = 1),
)
"""

def _git(rctx, git, args, timeout = 600):
    return rctx.execute(
        [git] + args,
        timeout = timeout,
        environment = {"GIT_ASKPASS": "/bin/false", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
    )

def _git_fail(message, res):
    lines = (res.stderr or res.stdout).strip().splitlines()
    fail(message + "\n  git said:\n    | " + "\n    | ".join(lines[-15:] or ["(nothing)"]))

def _git_source_repo_impl(rctx):
    attr = rctx.attr
    what = "{} {}".format(attr.package, attr.version)
    origin = "the git repository {} at commit {}".format(repr(attr.url), attr.commit)
    git = rctx.which("git")
    if not git:
        fail("ofiuco: cannot fetch {} from {}: `git` is not on PATH.\nhint: install git on this machine (the checkout is pinned to the locked commit).".format(what, origin))
    rctx.report_progress("Fetching {} at {}".format(attr.url, attr.commit[:12]))
    res = _git(rctx, git, ["init", "--quiet", "--initial-branch=ofiuco", "."])
    if res.return_code != 0:
        _git_fail("ofiuco: cannot fetch {} from {}: `git init` failed.".format(what, origin), res)

    # The commit itself (servers that allow fetching any reachable commit,
    # e.g. GitHub), else every branch and tag, in which the commit must be.
    # The remote `origin`: relative submodule URLs resolve against it.
    res = _git(rctx, git, ["remote", "add", "origin", attr.url])
    if res.return_code != 0:
        _git_fail("ofiuco: cannot fetch {} from {}: `git remote add` failed.".format(what, origin), res)
    fetched = _git(rctx, git, ["fetch", "--quiet", "--depth=1", "--no-tags", "origin", attr.commit])
    if fetched.return_code != 0:
        fetched = _git(rctx, git, ["fetch", "--quiet", "--tags", "origin", "+refs/heads/*:refs/remotes/origin/*"])
        if fetched.return_code != 0:
            _git_fail(("ofiuco: cannot fetch {what} from {origin}: the repository cannot be reached or read.\n" +
                       "hint: check the URL, the network and your git credentials for that host (`git ls-remote {url}`).").format(
                what = what,
                origin = origin,
                url = attr.url,
            ), fetched)
    has = _git(rctx, git, ["cat-file", "-e", attr.commit + "^{commit}"])
    if has.return_code != 0:
        fail(("ofiuco: cannot fetch {what}: the git repository {url} has no commit {commit} (the lock's resolved reference{ref}).\n" +
              "hint: the commit may have been rewritten away (a force-push): re-lock (e.g. `poetry lock`, `uv lock`) to pin an existing commit.").format(
            what = what,
            url = repr(attr.url),
            commit = attr.commit,
            ref = " of " + repr(attr.reference) if attr.reference else "",
        ))
    res = _git(rctx, git, ["-c", "advice.detachedHead=false", "checkout", "--quiet", attr.commit])
    if res.return_code != 0:
        _git_fail("ofiuco: cannot check out {} from {}.".format(what, origin), res)
    head = _git(rctx, git, ["rev-parse", "HEAD"])
    if head.return_code != 0 or head.stdout.strip() != attr.commit:
        fail("ofiuco: the checkout of {} from {} is at {}, not at the locked commit.".format(what, origin, repr(head.stdout.strip())))

    _submodules(rctx, git, what, origin)

    # The tree alone: no history (nor the submodules' `.git` files), and none
    # of Bazel's files inside it.
    rctx.delete(".git")
    _drop_git_files(rctx)
    _drop_bazel_files(rctx)
    sub = attr.subdirectory.strip("/")
    if sub in ["", "."]:
        sub = ""
    if sub and (sub.startswith("/") or ".." in sub.split("/")):
        fail("ofiuco: cannot build {} from {}: its subdirectory {} leaves the repository.".format(what, origin, repr(attr.subdirectory)))
    root = rctx.path(sub) if sub else rctx.path(".")
    if not root.exists:
        fail("ofiuco: cannot build {} from {}: the commit has no subdirectory {}.\nhint: re-lock, or fix the dependency's `subdirectory`.".format(what, origin, repr(sub)))
    check_project_dir(root, what, origin + (" (subdirectory {})".format(repr(sub)) if sub else ""))
    build = _TREE_BUILD.format(pattern = repr(sub + "/**" if sub else "**"), vendor = repr(CARGO_VENDOR_DIR + "/**"))
    build += build_requires_text(rctx, ["--dir", str(root)], origin)
    rctx.file("BUILD.bazel", build)

def _submodules(rctx, git, what, origin):
    """Checks out every submodule (recursively) at the commit the superproject's commit pins.

    Like pip, which installs a git requirement with its submodules. URLs come
    from the checkout's .gitmodules; relative ones resolve against the
    superproject's URL (the remote `origin`).
    """
    if not rctx.path(".gitmodules").exists:
        return
    rctx.report_progress("Fetching the submodules of {}".format(what))
    res = _git(rctx, git, ["submodule", "update", "--init", "--recursive"])
    if res.return_code != 0:
        _git_fail(("ofiuco: cannot fetch the git submodules of {what} from {origin}.\n" +
                   "hint: the submodules' URLs are in the locked commit's .gitmodules: check that each can be reached " +
                   "(`git ls-remote <url>`) and still has the commit the superproject pins, or supply a wheel with " +
                   "`poetry.build(package = \"{pkg}\", wheel = ...)`.").format(what = what, origin = origin, pkg = rctx.attr.package), res)

    # Each submodule at exactly its pinned commit: ` <sha> <path>`, a leading
    # `-` (not checked out), `+` (another commit) or `U` (conflict) is not.
    status = _git(rctx, git, ["submodule", "status", "--recursive"])
    if status.return_code != 0:
        _git_fail("ofiuco: cannot read the git submodules of {} from {}.".format(what, origin), status)
    for line in status.stdout.splitlines():
        if line and not line.startswith(" "):
            fail("ofiuco: the git submodule {} of {} from {} is not at the commit the superproject pins ({}).".format(
                repr(line[1:].split(" ")[1] if " " in line[1:] else line[1:]),
                what,
                origin,
                repr(line),
            ))

def _drop_git_files(rctx):
    res = rctx.execute(["find", ".", "-name", ".git", "-prune", "-exec", "rm", "-rf", "{}", "+"])
    if res.return_code != 0:
        fail("ofiuco: cannot clean the checkout in {}: {}".format(rctx.path("."), res.stderr))
    rctx.delete(".gitmodules")

def _drop_bazel_files(rctx):
    res = rctx.execute(["find", ".", "-type", "f", "(", "-name", _BAZEL_FILES[0]] + [a for n in _BAZEL_FILES[1:] for a in ["-o", "-name", n]] + [")", "-delete"])
    if res.return_code != 0:
        fail("ofiuco: cannot clean the checkout in {}: {}".format(rctx.path("."), res.stderr))

git_source_repo = repository_rule(
    implementation = _git_source_repo_impl,
    doc = """The source tree of a package locked from a git repository, checked out at the locked commit.

Fetched with the host's `git` (its credentials apply; no prompt): the commit
alone where the server allows it, else every branch and tag. The checkout
must be at exactly `commit`. Its submodules (recursively, URLs from its
`.gitmodules`, relative ones against `url`) are checked out at the commits
the superproject pins, as pip does. Then `.git`, `.gitmodules` and any Bazel
files are removed.
`:tree` holds the files of `subdirectory` (or of the whole tree) and
`:build_requires` its `[build-system]`, mapped to build tools.""",
    attrs = {
        "build_tools": attr.string_dict(doc = "Normalized package name -> the hub target that provides it as a build requirement."),
        "commit": attr.string(mandatory = True, doc = "The full commit hash the lock resolved the reference to."),
        "package": attr.string(mandatory = True, doc = "The normalized package name."),
        "reference": attr.string(doc = "The reference as requested (branch, tag), for messages."),
        "subdirectory": attr.string(doc = "The package's directory inside the repository."),
        "url": attr.string(mandatory = True, doc = "The repository's URL, as locked."),
        "version": attr.string(mandatory = True, doc = "The locked version, for messages."),
        "_helper": attr.label(default = "@ofiuco_helper//:ofiuco"),
    },
)

def _link_tree(rctx, root):
    """Links every file below `root` into the repository (Starlark has no recursion: a work list)."""
    pending = [(root, "")]
    for _ in range(1000000):
        if not pending:
            return
        src, dest = pending.pop()
        for child in src.readdir():
            name = child.basename
            if name in _BAZEL_FILES:
                continue
            if child.is_dir:
                if name in _SKIPPED_DIRS or (not dest and (name.endswith(".egg-info") or name.startswith("bazel-"))):
                    continue
                pending.append((child, dest + name + "/"))
            else:
                rctx.symlink(child, dest + name)

def _local_source_repo_impl(rctx):
    attr = rctx.attr
    what = "{} {}".format(attr.package, attr.version)
    directory = resolve_local_path(rctx, attr.lock, attr.path, what)
    origin = "the local directory {} (of {})".format(repr(attr.path), attr.lock)
    check_project_dir(directory, what, origin)

    # Any change below the directory re-runs this rule, and the build sees it.
    rctx.watch_tree(directory)
    _link_tree(rctx, directory)
    build = _TREE_BUILD.format(pattern = repr("**"), vendor = repr(CARGO_VENDOR_DIR + "/**"))
    build += build_requires_text(rctx, ["--dir", str(rctx.path("."))], origin)
    rctx.file("BUILD.bazel", build)

local_source_repo = repository_rule(
    implementation = _local_source_repo_impl,
    doc = """The source tree of a package locked from a local directory (poetry `directory`, uv `directory`/`editable` and workspace members).

The directory (relative to the lock's) must be inside the workspace. Its
files are linked into `:tree` (without tool state such as `.git`, `.venv`,
`__pycache__`, `build/`, `dist/`, `*.egg-info`, nor Bazel's own BUILD files),
and the tree is watched: a change to any file makes the next build rebuild
the package. An editable install is built as a normal wheel.""",
    attrs = {
        "build_tools": attr.string_dict(doc = "Normalized package name -> the hub target that provides it as a build requirement."),
        "editable": attr.bool(doc = "The lock installs it in editable (develop) mode; ofiuco installs it normally."),
        "lock": attr.label(mandatory = True, allow_single_file = True, doc = "The lock file; `path` is relative to its directory."),
        "package": attr.string(mandatory = True, doc = "The normalized package name."),
        "path": attr.string(mandatory = True, doc = "The directory, as the lock records it."),
        "version": attr.string(mandatory = True, doc = "The locked version, for messages."),
        "_helper": attr.label(default = "@ofiuco_helper//:ofiuco"),
    },
)
