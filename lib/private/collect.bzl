"""An aspect that collects what a Python target ships: application files and the package graph."""

# buildifier: disable=bzl-visibility (python/ and lib/ share ofiuco's own internals)
load("//python/private:providers.bzl", "OfiucoPackageInfo")

OfiucoCollectInfo = provider(
    doc = "What a Python target and its `deps` ship, as seen by py_zip and py_venv.",
    fields = {
        "files": "depset[File]: application files (`srcs` and `data` of non-package targets).",
        "packages": "depset[OfiucoPackageInfo]: every locked package in the closure.",
        "roots": "depset[str]: normalized names of the packages the application depends on directly.",
    },
)

def _collect_impl(target, ctx):
    edges = list(getattr(ctx.rule.attr, "deps", []))
    actual = getattr(ctx.rule.attr, "actual", None)
    if actual:
        edges.append(actual)
    infos = [d[OfiucoCollectInfo] for d in edges if OfiucoCollectInfo in d]
    packages = [i.packages for i in infos]
    if OfiucoPackageInfo in target:
        info = target[OfiucoPackageInfo]
        return [OfiucoCollectInfo(
            packages = depset([info], transitive = packages),
            roots = depset([info.name]),
            files = depset(),
        )]
    own = [f for f in getattr(ctx.rule.files, "srcs", []) if f.extension == "py"]
    own += getattr(ctx.rule.files, "data", [])
    return [OfiucoCollectInfo(
        packages = depset(transitive = packages),
        roots = depset(transitive = [i.roots for i in infos]),
        files = depset(own, transitive = [i.files for i in infos]),
    )]

collect_aspect = aspect(
    implementation = _collect_impl,
    attr_aspects = ["deps", "actual"],
    doc = "Collects application files and locked packages along `deps` (and `actual` of hub targets).",
)

def select_packages(info, exclude, exclude_dependencies):
    """The packages to ship, after package-level exclusions.

    Args:
      info: the target's OfiucoCollectInfo.
      exclude: normalized names of packages to leave out.
      exclude_dependencies: also leave out what only the excluded packages need.

    Returns:
      A list of OfiucoPackageInfo, sorted by name and version.
    """
    packages = info.packages.to_list()
    if not exclude_dependencies:
        kept = [p for p in packages if p.name not in exclude]
    else:
        by_name = {}
        for p in packages:
            by_name.setdefault(p.name, []).append(p)
        reached = {}
        todo = [r for r in info.roots.to_list() if r not in exclude]
        for _ in range(len(packages) + 1):
            if not todo:
                break
            next_todo = []
            for name in todo:
                if name in reached or name in exclude or name not in by_name:
                    continue
                reached[name] = True
                for p in by_name[name]:
                    next_todo.extend(p.deps)
            todo = next_todo
        kept = [p for p in packages if p.name in reached]
    return sorted(kept, key = lambda p: (p.name, p.version))

def archive_path(file):
    """The path of an application file inside an archive: its path in its repository.

    Args:
      file: a File.

    Returns:
      `pkg/mod.py` for `//pkg:mod.py`, also for files of external repositories.
    """
    path = file.short_path
    if path.startswith("../"):
        path = path[3:].partition("/")[2]
    return path
