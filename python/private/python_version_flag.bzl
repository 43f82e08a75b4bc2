"""The Python version build setting that wheel choice and markers read."""

load(":envs_table.bzl", "PYTHONS")

PythonVersionInfo = provider(
    doc = "The target Python version selected by `@ofiuco//python/config:python_version`.",
    fields = {"value": "str: a version of the environment table (`3.12`, `3.13t`), or `auto`."},
)

def _python_version_flag_impl(ctx):
    value = ctx.build_setting_value
    if value != "auto" and value not in PYTHONS:
        fail("ofiuco: --@ofiuco//python/config:python_version must be `auto` or one of {}, got `{}`".format(", ".join(PYTHONS), value))
    return [PythonVersionInfo(value = value)]

python_version_flag = rule(
    implementation = _python_version_flag_impl,
    build_setting = config.string(flag = True),
    doc = "A Python version of ofiuco's environment table (or `auto`): the target interpreter for wheel choice and marker evaluation.",
)
