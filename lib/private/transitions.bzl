"""Transitions to a target platform and Python version."""

_PLATFORMS = "//command_line_option:platforms"
PYTHON_VERSION_FLAG = str(Label("//python/config:python_version"))

def _target_transition_impl(settings, attr):
    platforms = [str(attr.platform)] if attr.platform else settings[_PLATFORMS]
    return {
        _PLATFORMS: platforms,
        PYTHON_VERSION_FLAG: attr.python_version or settings[PYTHON_VERSION_FLAG],
    }

target_transition = transition(
    implementation = _target_transition_impl,
    inputs = [_PLATFORMS, PYTHON_VERSION_FLAG],
    outputs = [_PLATFORMS, PYTHON_VERSION_FLAG],
)

TRANSITION_ATTRS = {
    "platform": attr.label(
        doc = "The target platform (e.g. `@ofiuco//lib/platforms:aws_lambda_python3_12_arm64`). Wheels, markers and checks follow it. Default: the current target platform.",
    ),
    "python_version": attr.string(
        doc = "The target Python version, `3.X`. Default: the one the platform carries (`@ofiuco//python/version`), else the current setting of `@ofiuco//python/config:python_version`.",
    ),
    "_allowlist_function_transition": attr.label(
        default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
    ),
}
