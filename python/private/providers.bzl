"""Providers shared by ofiuco's rules."""

OfiucoPackageInfo = provider(
    doc = "One installed locked distribution (from the `package` rule).",
    fields = {
        "deps": "list[str]: normalized names of the packages it depends on directly (in this configuration).",
        "fragment": "File: the site-packages files, packed straight from the wheel into a zip fragment (built only on request).",
        "name": "str: the normalized (PEP 503) distribution name.",
        "tree": "File: the install tree (TreeArtifact: site-packages/, bin/, include/, data/).",
        "version": "str: the locked version.",
    },
)

# Where an sdist's (or source tree's) crates are vendored inside its
# repository (Rust extensions): written by the repository rules, read by
# `build_requires`.
CARGO_VENDOR_DIR = "_ofiuco_cargo_vendor"

def normalize_name(name):
    """PEP 503 normalization: lower case, runs of `-`, `_` and `.` become one `-`.

    Args:
      name: a distribution name.

    Returns:
      The normalized name.
    """
    out = []
    for c in name.lower().elems():
        if c in "-_.":
            if not out or out[-1] != "-":
                out.append("-")
        else:
            out.append(c)
    return "".join(out)

def dist_info_name(name):
    """The name as wheel file names and `.dist-info` directories spell it: normalized, `-` as `_`.

    Args:
      name: a distribution name.

    Returns:
      The name.
    """
    return normalize_name(name).replace("-", "_")

def runfiles_path(ctx, file):
    """The path of a file below the runfiles root, as `PyInfo.imports` wants it.

    Args:
      ctx: the rule context.
      file: a File (or directory) of this rule or of an external repository.

    Returns:
      `<repository>/<path>`.
    """

    # short_path is `../<repo>/<path>` for files of external repositories.
    if file.short_path.startswith("../"):
        return file.short_path[3:]
    return ctx.workspace_name + "/" + file.short_path
