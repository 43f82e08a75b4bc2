"""The helper extension's glue, against a mock module_ctx: table -> host helper, prebuilt repositories, toolchains."""

load("@bazel_skylib//lib:unittest.bzl", "asserts", "unittest")

# buildifier: disable=bzl-visibility (tests of ofiuco's own internals)
load("//python/private:helper_extension.bzl", "helper_impl")

_SHA_X86 = "ab" * 32
_SHA_ARM = "cd" * 32
_SHA_MAC = "ef" * 32

def _table(version):
    return {"helpers": {
        "linux_aarch64": {"sha256": _SHA_ARM, "url": "http://127.0.0.1:1/ofiuco-linux_aarch64"},
        "linux_x86_64": {"sha256": _SHA_X86, "url": "http://127.0.0.1:1/ofiuco-linux_x86_64"},
        "macos_aarch64": {"sha256": _SHA_MAC, "url": "http://127.0.0.1:1/ofiuco-macos_aarch64"},
    }, "version": version}

def _mock_mctx(os_name = "linux", arch = "amd64", version = "1.2.3", environ = {}):
    return struct(
        modules = [struct(name = "ofiuco", version = version)],
        os = struct(name = os_name, arch = arch, environ = environ),
        extension_metadata = lambda **kwargs: struct(**kwargs),
    )

def _run(mctx, prebuilt):
    calls = {"helper_repo": [], "toolchains_repo": []}
    repos = struct(
        helper_repo = lambda **kwargs: calls["helper_repo"].append(kwargs),
        toolchains_repo = lambda **kwargs: calls["toolchains_repo"].append(kwargs),
    )
    metadata = helper_impl(mctx, repos, prebuilt)
    return metadata, {c["name"]: c for c in calls["helper_repo"]}, calls["toolchains_repo"]

def _prebuilt_per_platform_test_impl(ctx):
    env = unittest.begin(ctx)
    metadata, helpers, toolchains = _run(_mock_mctx(), _table("1.2.3"))
    asserts.true(env, metadata.reproducible)

    # One repository per entry (each fetched only when its toolchain is resolved), and the host's.
    asserts.equals(env, sorted(["ofiuco_helper", "ofiuco_helper_linux_aarch64", "ofiuco_helper_linux_x86_64", "ofiuco_helper_macos_aarch64"]), sorted(helpers))
    asserts.equals(env, _SHA_ARM, helpers["ofiuco_helper_linux_aarch64"]["sha256"])
    asserts.equals(env, "http://127.0.0.1:1/ofiuco-linux_aarch64", helpers["ofiuco_helper_linux_aarch64"]["url"])

    # The host (linux amd64) downloads its prebuilt helper instead of building it.
    asserts.equals(env, "http://127.0.0.1:1/ofiuco-linux_x86_64", helpers["ofiuco_helper"]["url"])
    asserts.equals(env, _SHA_X86, helpers["ofiuco_helper"]["sha256"])

    asserts.equals(env, [{
        "host_constraints": ["@platforms//os:linux", "@platforms//cpu:x86_64"],
        "keys": ["linux_aarch64", "linux_x86_64", "macos_aarch64"],
        "name": "ofiuco_helper_toolchains",
    }], toolchains)
    return unittest.end(env)

prebuilt_per_platform_test = unittest.make(_prebuilt_per_platform_test_impl)

def _host_without_prebuilt_builds_with_cargo_test_impl(ctx):
    env = unittest.begin(ctx)

    # A linux arm64 host... with a table for x86_64 only: cargo (an empty url) for the host.
    table = _table("1.2.3")
    table["helpers"].pop("linux_aarch64")
    _, helpers, toolchains = _run(_mock_mctx(arch = "aarch64"), table)
    asserts.equals(env, "", helpers["ofiuco_helper"]["url"])
    asserts.equals(env, "linux_aarch64", helpers["ofiuco_helper"]["key"])
    asserts.equals(env, ["@platforms//os:linux", "@platforms//cpu:aarch64"], toolchains[0]["host_constraints"])
    return unittest.end(env)

host_without_prebuilt_builds_with_cargo_test = unittest.make(_host_without_prebuilt_builds_with_cargo_test_impl)

def _other_version_or_empty_table_is_cargo_only_test_impl(ctx):
    env = unittest.begin(ctx)

    # The release's table of another version (a checkout whose MODULE.bazel moved on): unused.
    for table in [_table("1.2.2"), {"helpers": {}, "version": ""}]:
        _, helpers, toolchains = _run(_mock_mctx(), table)
        asserts.equals(env, ["ofiuco_helper"], sorted(helpers))
        asserts.equals(env, "", helpers["ofiuco_helper"]["url"])
        asserts.equals(env, [], toolchains[0]["keys"])
    return unittest.end(env)

other_version_or_empty_table_is_cargo_only_test = unittest.make(_other_version_or_empty_table_is_cargo_only_test_impl)

def helper_extension_test_suite(name):
    unittest.suite(
        name,
        prebuilt_per_platform_test,
        host_without_prebuilt_builds_with_cargo_test,
        other_version_or_empty_table_is_cargo_only_test,
    )
