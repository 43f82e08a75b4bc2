"""The `helper` module extension (ofiuco's own): the host helper, one repository per prebuilt helper, and their toolchains."""

load(":helper_repo.bzl", "helper_repo")
load(":host.bzl", "host_key")
load(":prebuilt_helpers.bzl", "PREBUILT_HELPERS")

TABLE_ENV = "OFIUCO_HELPER_TABLE"

# `<os>_<cpu>` of a prebuilt helper -> its execution constraints and file name.
HELPER_PLATFORMS = {
    "linux_aarch64": (["@platforms//os:linux", "@platforms//cpu:aarch64"], "ofiuco"),
    "linux_x86_64": (["@platforms//os:linux", "@platforms//cpu:x86_64"], "ofiuco"),
    "macos_aarch64": (["@platforms//os:macos", "@platforms//cpu:aarch64"], "ofiuco"),
    "macos_x86_64": (["@platforms//os:macos", "@platforms//cpu:x86_64"], "ofiuco"),
    "windows_x86_64": (["@platforms//os:windows", "@platforms//cpu:x86_64"], "ofiuco.exe"),
}

def _hex64(s):
    return len(s) == 64 and not s.strip("0123456789abcdef")

def check_table(table, source):
    """Checks a prebuilt helper table: one clear error naming `source` and the bad entry.

    Args:
      table: the decoded table, `{"version": ..., "helpers": {key: {"url": ..., "sha256": ...}}}`.
      source: where it comes from, for messages.

    Returns:
      The table's (version, helpers).
    """
    hint = "\nhint: regenerate it with `tools/release/helpers.sh --version VERSION --base-url URL` (its prebuilt_helpers.json)."
    if type(table) != "dict" or type(table.get("version")) != "string" or type(table.get("helpers")) != "dict":
        fail("ofiuco: the helper table {} is not `{{\"version\": \"...\", \"helpers\": {{...}}}}`.{}".format(source, hint))
    for key, entry in table["helpers"].items():
        if key not in HELPER_PLATFORMS:
            fail("ofiuco: the helper table {} has an entry for {}, which is not one of ofiuco's helper platforms ({}).{}".format(
                source,
                json.encode(key),
                ", ".join(sorted(HELPER_PLATFORMS)),
                hint,
            ))
        if type(entry) != "dict" or type(entry.get("url")) != "string" or not entry["url"] or type(entry.get("sha256")) != "string" or not _hex64(entry["sha256"]):
            fail("ofiuco: the helper table {} has a bad entry for `{}`: {} (want a `url` and the 64 lowercase hex digits of its `sha256`).{}".format(
                source,
                key,
                json.encode(entry),
                hint,
            ))
    return table["version"], table["helpers"]

def _module_version(mctx):
    for mod in mctx.modules:
        if mod.name == "ofiuco":
            return mod.version
    return ""

def _helpers(mctx, prebuilt):
    """The prebuilt helpers to use, {key: entry}: the override's, or this release's when its version is this module's."""
    version = _module_version(mctx)
    path = mctx.os.environ.get(TABLE_ENV, "")
    if not path:
        table_version, helpers = check_table(prebuilt, "python/private/prebuilt_helpers.bzl")
        return helpers if table_version and table_version == version else {}
    source = "`{}` (--repo_env={})".format(path, TABLE_ENV)
    table = mctx.path(path)
    if not table.exists:
        fail("ofiuco: the helper table {} does not exist.\nhint: set {} to the absolute path of a prebuilt_helpers.json, or unset it.".format(source, TABLE_ENV))

    # Not watched: Bazel 7 does not let a module extension watch a file outside
    # the workspace. The variable's value is (`environ`): a new table, a new path.
    table_version, helpers = check_table(json.decode(mctx.read(table)), source)
    if version and table_version != version:
        fail("ofiuco: the helper table {} is for ofiuco {}, but this is ofiuco {}.\nhint: use the table of ofiuco {} (its helpers are built from its sources), or unset {}.".format(
            source,
            json.encode(table_version),
            json.encode(version),
            version,
            TABLE_ENV,
        ))
    return helpers

def _toolchain(name, constraints, impl):
    return """toolchain(
    name = "{name}",
    exec_compatible_with = {constraints},
    toolchain = "{impl}",
    toolchain_type = "{type}",
)
""".format(name = name, constraints = json.encode(constraints), impl = impl, type = str(Label("//python/toolchain:helper_toolchain_type")))

def _toolchains_repo_impl(rctx):
    rctx.file("BUILD.bazel", "")
    rctx.file("prebuilt/BUILD.bazel", "\n".join([
        _toolchain(key, HELPER_PLATFORMS[key][0], "@ofiuco_helper_{}//:toolchain".format(key))
        for key in rctx.attr.keys
    ]))
    rctx.file("host/BUILD.bazel", _toolchain("host", rctx.attr.host_constraints, "@ofiuco_helper//:toolchain"))

_toolchains_repo = repository_rule(
    implementation = _toolchains_repo_impl,
    doc = "The `toolchain()` targets of the helpers: `//prebuilt:all`, one per prebuilt helper, and `//host:host`, the host's helper.",
    attrs = {
        "host_constraints": attr.string_list(doc = "The host's OS and CPU constraints."),
        "keys": attr.string_list(doc = "The prebuilt helpers' `<os>_<cpu>`."),
    },
)

_REPOS = struct(helper_repo = helper_repo, toolchains_repo = _toolchains_repo)

def helper_impl(mctx, repos = _REPOS, prebuilt = PREBUILT_HELPERS):
    """Declares the host's helper, one repository per prebuilt helper and the toolchains repository.

    Args:
      mctx: the module_ctx (tests pass a mock).
      repos: the repository rules to call (tests pass recorders).
      prebuilt: the release's table (tests pass their own).

    Returns:
      The extension's metadata.
    """
    helpers = _helpers(mctx, prebuilt)
    for key, entry in helpers.items():
        repos.helper_repo(
            name = "ofiuco_helper_" + key,
            executable = HELPER_PLATFORMS[key][1],
            key = key,
            sha256 = entry["sha256"],
            url = entry["url"],
        )
    host = host_key(mctx)
    for_host = helpers.get(host, {}) if HELPER_PLATFORMS.get(host, ("", ""))[1] == "ofiuco" else {}
    repos.helper_repo(name = "ofiuco_helper", key = host, sha256 = for_host.get("sha256", ""), url = for_host.get("url", ""))
    os, _, cpu = host.partition("_")
    repos.toolchains_repo(
        name = "ofiuco_helper_toolchains",
        keys = sorted(helpers),
        host_constraints = ["@platforms//os:" + os, "@platforms//cpu:" + cpu],
    )
    return mctx.extension_metadata(reproducible = True)

helper = module_extension(
    implementation = helper_impl,
    doc = """ofiuco's own extension (not for users): `@ofiuco_helper`, the host's helper for repository rules and module extensions (prebuilt when published for the host, else built with cargo), `@ofiuco_helper_<os>_<cpu>` per prebuilt helper (downloaded only when its toolchain is resolved), and `@ofiuco_helper_toolchains`.""",
    environ = [TABLE_ENV],
)
