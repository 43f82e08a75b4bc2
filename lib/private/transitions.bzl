"""Transitions to a target platform and Python version."""

_PLATFORMS = "//command_line_option:platforms"
PINNED_PYTHON_VERSION = str(Label("//python/config:pinned_python_version"))

def _target_transition_impl(settings, attr):
    if attr.python_version:
        pinned = attr.python_version
    elif attr.platform:
        # A new platform: its own Python version (or the flags') applies.
        pinned = ""
    else:
        pinned = settings[PINNED_PYTHON_VERSION]
    return {
        _PLATFORMS: [str(attr.platform)] if attr.platform else settings[_PLATFORMS],
        PINNED_PYTHON_VERSION: pinned,
    }

target_transition = transition(
    implementation = _target_transition_impl,
    inputs = [_PLATFORMS, PINNED_PYTHON_VERSION],
    outputs = [_PLATFORMS, PINNED_PYTHON_VERSION],
)

TRANSITION_ATTRS = {
    "platform": attr.label(
        doc = "The target platform (e.g. `@ofiuco//lib/platforms:aws_lambda_python3_12_arm64`). Wheels, markers and checks follow it. Default: the current target platform.",
    ),
    "python_version": attr.string(
        doc = "The target Python version (`3.12`, `3.13t`). It wins over the platform's (`@ofiuco//python/version`) and the flags. Default: the platform's, else `--@ofiuco//python/config:python_version`, else rules_python's version flag, else the host `python3`'s.",
    ),
    "_allowlist_function_transition": attr.label(
        default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
    ),
}

def _platforms_split_impl(settings, attr):
    return {
        str(platform): {
            _PLATFORMS: [str(platform)],
            PINNED_PYTHON_VERSION: attr.python_version or settings[PINNED_PYTHON_VERSION],
        }
        for platform in attr.platforms
    }

platforms_split_transition = transition(
    implementation = _platforms_split_impl,
    inputs = [_PLATFORMS, PINNED_PYTHON_VERSION],
    outputs = [_PLATFORMS, PINNED_PYTHON_VERSION],
)
