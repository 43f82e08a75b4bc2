"""The lock-independent half of every hub: one `config_setting` triple per
target environment (in `@ofiuco//python/envs`) and `pick()`, which hubs use to
turn per-environment choices into a `select()`.

An environment (Python version x OS x CPU x libc, see `envs_table.bzl`) is
matched in one of three mutually exclusive ways:

* `<id>__zip`: a rule's `python_version` attribute pins the version (py_zip);
* `<id>__platform`: nothing pins it and the platform carries
  `@ofiuco//python/version:<v>` (the AWS Lambda presets);
* `<id>`: neither, and the hub target's transition resolved the version
  from the flags or the host (see `//python/config:python_version`).
"""

load(":envs_table.bzl", "ENVS")

_PINNED = "//python/config:pinned_python_version"
_RESOLVED = "//python/config:resolved_python_version"

def _constraints(os, cpu, libc):
    values = ["@platforms//os:" + os, "@platforms//cpu:" + cpu]
    if libc:
        values.append("//python/libc:" + libc)
    return values

# buildifier: disable=unnamed-macro
def env_config_settings():
    """Declares the three `config_setting`s of every environment (call once, in `//python/envs`)."""
    for key, python, os, cpu, libc in ENVS:
        constraints = _constraints(os, cpu, libc)
        native.config_setting(
            name = key + "__zip",
            constraint_values = constraints,
            flag_values = {_PINNED: python},
        )
        native.config_setting(
            name = key + "__platform",
            constraint_values = constraints + ["//python/version:" + python],
            flag_values = {_PINNED: ""},
        )
        native.config_setting(
            name = key,
            constraint_values = constraints + ["//python/version:auto"],
            flag_values = {_PINNED: "", _RESOLVED: python},
        )

# Per environment index: its three config_setting labels (built once per load).
_KEYS = [
    [Label("//python/envs:" + e[0]), Label("//python/envs:" + e[0] + "__platform"), Label("//python/envs:" + e[0] + "__zip")]
    for e in ENVS
]

def pick(groups, default = None):
    """A `select()` of one value per environment.

    Args:
      groups: `{value: [environment index, ...]}`; each index appears once.
      default: the value for configurations that are no environment of the table.

    Returns:
      The select().
    """
    choices = {}
    for value, envs in groups.items():
        for i in envs:
            for key in _KEYS[i]:
                choices[key] = value
    choices["//conditions:default"] = default
    return select(choices)

def pick_lists(groups):
    """A `select()` of the list of values that apply in each environment.

    Args:
      groups: `{value: [environment index, ...]}`; an index may appear under several values.

    Returns:
      The select(), `[]` outside the table.
    """
    per_env = {}
    for value, envs in groups.items():
        for i in envs:
            per_env.setdefault(i, []).append(value)
    choices = {}
    for i, values in per_env.items():
        for key in _KEYS[i]:
            choices[key] = values
    choices["//conditions:default"] = []
    return select(choices)

def target_python_version():
    """A `select()` of the target environment's Python version (`3.X`), `` outside the table.

    Returns:
      The select().
    """
    groups = {}
    for i, e in enumerate(ENVS):
        groups.setdefault(e[1], []).append(i)
    return pick(groups, default = "")
