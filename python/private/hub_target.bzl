"""The public targets of a hub (`@hub//:numpy`) and what they resolve to.

Each public name is a `hub_target`: its incoming transition resolves the
Python version from the flags (see `//python/config:python_version`), so the
`pick()`s below it select wheels, markers and checks for that version.
"""

load("@ofiuco_host_python//:defs.bzl", "HOST_PYTHON")
load("@rules_python//python:py_info.bzl", "PyInfo")
load(":envs_table.bzl", "PYTHONS")
load(":providers.bzl", "OfiucoPackageInfo")
load(":target_env.bzl", "TargetEnvInfo")

_OFIUCO_FLAG = str(Label("//python/config:python_version"))
_RULES_PYTHON_FLAG = str(Label("@rules_python//python/config_settings:python_version"))
_PINNED = str(Label("//python/config:pinned_python_version"))
_RESOLVED = str(Label("//python/config:resolved_python_version"))
_SOURCE = str(Label("//python/config:python_version_source"))

def _minor(version):
    """`3.11` of `3.11`, `3.11.4` or `3.11t`; "" for anything else."""
    parts = version.split(".")
    if len(parts) < 2 or not parts[0].isdigit():
        return ""
    return parts[0] + "." + parts[1]

def resolve_python_version(settings, host_python = HOST_PYTHON):
    """Precedences 3-5 of `//python/config:python_version`: (version, where it came from).

    Args:
      settings: the transition's input settings.
      host_python: the host python3's version ("" without one).

    Returns:
      A (version, source) pair; ("", "") when a rule pins the version anyway.
    """
    if settings[_PINNED]:
        return "", ""
    flag = settings[_OFIUCO_FLAG]
    if flag != "auto" and flag not in PYTHONS:
        fail("ofiuco: --@ofiuco//python/config:python_version must be `auto` or one of {}, got `{}`".format(", ".join(PYTHONS), flag))
    if flag != "auto":
        return flag, "--@ofiuco//python/config:python_version=" + flag
    rules_python = settings[_RULES_PYTHON_FLAG]
    if _minor(rules_python) in PYTHONS:
        return _minor(rules_python), "--@rules_python//python/config_settings:python_version=" + rules_python
    if host_python:
        return host_python, "the host python3 (" + host_python + "), which rules_python's autodetecting toolchain runs"
    return "", "nothing: there is no python3 on the host and no Python version flag is set"

def _hub_transition_impl(settings, _attr):
    version, source = resolve_python_version(settings)
    return {_RESOLVED: version, _SOURCE: source}

hub_transition = transition(
    implementation = _hub_transition_impl,
    inputs = [_OFIUCO_FLAG, _RULES_PYTHON_FLAG, _PINNED],
    outputs = [_RESOLVED, _SOURCE],
)

def _hub_target_impl(ctx):
    actual = ctx.attr.actual
    providers = [
        DefaultInfo(files = actual[DefaultInfo].files, runfiles = actual[DefaultInfo].default_runfiles),
        actual[PyInfo],
    ]
    for provider in [OfiucoPackageInfo, OutputGroupInfo]:
        if provider in actual:
            providers.append(actual[provider])
    return providers

hub_target = rule(
    implementation = _hub_target_impl,
    doc = "A public name of a hub (`@hub//:numpy`): forwards `actual` (a `pick()` over environments) after resolving the target Python version.",
    cfg = hub_transition,
    attrs = {
        "actual": attr.label(mandatory = True, providers = [PyInfo], doc = "What the name resolves to in this configuration: a locked version, an empty target or an error."),
        "_allowlist_function_transition": attr.label(default = "@bazel_tools//tools/allowlists/function_transition_allowlist"),
    },
)

def _not_needed_impl(_ctx):
    return [DefaultInfo(), PyInfo(transitive_sources = depset())]

not_needed = rule(
    implementation = _not_needed_impl,
    doc = "What a locked name resolves to where its markers exclude the target (e.g. pywin32 on Linux): nothing.",
)

def _outside_lock_impl(ctx):
    env = ctx.attr.target_env[TargetEnvInfo]
    fail(("ofiuco: {lock} allows Python {range}, but this target is for CPython {python} (from {source}).\n" +
          "hint: register a Python toolchain of a version the lock allows and set --@ofiuco//python/config:python_version to it, " +
          "target a platform or py_zip(python_version = ...) the lock allows, or widen the lock's Python range and re-lock.").format(
        lock = ctx.attr.lock,
        range = ctx.attr.python_range,
        python = env.python,
        source = env.python_source,
    ))

outside_lock = rule(
    implementation = _outside_lock_impl,
    doc = "What every name of a hub resolves to where the target Python is outside the lock's range: an analysis error naming both.",
    attrs = {
        "lock": attr.string(mandatory = True, doc = "The lock file, for the message."),
        "python_range": attr.string(mandatory = True, doc = "The lock's Python range (`python-versions`)."),
        "target_env": attr.label(default = "//python/envs:target", providers = [TargetEnvInfo], doc = "Describes the configuration."),
    },
)

def _did_you_mean_impl(ctx):
    hub = ctx.attr.hub
    labels = " or ".join(["`@{}//:{}`".format(hub, p) for p in ctx.attr.packages])
    fail(("ofiuco: `@{hub}//:{name}` is not a package of the lock behind @{hub}; did you mean {labels}?\n" +
          "hint: put {labels} in `deps` (`{name}` is the import name or a short name of it); " +
          "`bazel query @{hub}//:all` lists every name of the hub.").format(
        hub = hub,
        name = ctx.label.name,
        labels = labels,
    ))

did_you_mean = rule(
    implementation = _did_you_mean_impl,
    doc = """A name a hub does not have but users are likely to write (an import name such as `yaml`, or `dateutil` for `python-dateutil`): an analysis error naming the right label.

Bazel answers close misspellings itself (`did you mean numpy?`); hubs declare
these, tagged `manual`, for the names it cannot guess.""",
    attrs = {
        "hub": attr.string(mandatory = True, doc = "The hub's apparent name, for the message."),
        "packages": attr.string_list(mandatory = True, doc = "The locked packages the name may mean (normalized names)."),
    },
)
