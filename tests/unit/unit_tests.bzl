"""Unit tests of ofiuco's pure Starlark functions."""

load("@bazel_skylib//lib:unittest.bzl", "asserts", "unittest")

# buildifier: disable=bzl-visibility (tests of ofiuco's own internals)
load("//lib/private:collect.bzl", "OfiucoCollectInfo", "select_packages")

# buildifier: disable=bzl-visibility
load("//python/private:hints.bzl", "declared_names", "hint_names", "hints_build_text")

# buildifier: disable=bzl-visibility
load("//python/private:providers.bzl", "normalize_name")

# buildifier: disable=bzl-visibility
load("//python/private:rust_repo.bzl", "manifest_archive")

# buildifier: disable=bzl-visibility
load("//python/private:whl_file_repo.bzl", "url_auth_testing")

def _normalize_name_test_impl(ctx):
    env = unittest.begin(ctx)
    for given, want in [
        ("typing_extensions", "typing-extensions"),
        ("Typing.Extensions", "typing-extensions"),
        ("zope.interface", "zope-interface"),
        ("PyYAML", "pyyaml"),
        ("a__-._b", "a-b"),
    ]:
        asserts.equals(env, want, normalize_name(given))
    return unittest.end(env)

normalize_name_test = unittest.make(_normalize_name_test_impl)

def _pkg(name, deps = []):
    return struct(name = name, version = "1", deps = deps)

# The Lambda shape: the app needs boto3 and numpy; boto3 needs botocore and
# s3transfer; s3transfer needs botocore; botocore needs urllib3, which the
# app also reaches through requests.
_PACKAGES = [
    _pkg("boto3", ["botocore", "s3transfer"]),
    _pkg("botocore", ["urllib3"]),
    _pkg("s3transfer", ["botocore"]),
    _pkg("numpy"),
    _pkg("requests", ["urllib3"]),
    _pkg("urllib3"),
]

def _info():
    return OfiucoCollectInfo(
        packages = depset(_PACKAGES),
        roots = depset(["boto3", "numpy", "requests"]),
        files = depset(),
    )

def _names(packages):
    return [p.name for p in packages]

def _select_packages_test_impl(ctx):
    env = unittest.begin(ctx)
    asserts.equals(
        env,
        ["boto3", "botocore", "numpy", "requests", "s3transfer", "urllib3"],
        _names(select_packages(_info(), {}, False)),
    )

    # Only the named package goes.
    asserts.equals(
        env,
        ["botocore", "numpy", "requests", "s3transfer", "urllib3"],
        _names(select_packages(_info(), {"boto3": True}, False)),
    )

    # With its closure: botocore and s3transfer go; urllib3 stays (requests needs it).
    asserts.equals(
        env,
        ["numpy", "requests", "urllib3"],
        _names(select_packages(_info(), {"boto3": True}, True)),
    )
    return unittest.end(env)

select_packages_test = unittest.make(_select_packages_test_impl)

def _hint_names_test_impl(ctx):
    env = unittest.begin(ctx)

    # Short names without `python-`/`py-`/`-python`, import names of locked
    # distributions (and their lower-case spelling); never a declared target
    # or a locked name.
    asserts.equals(
        env,
        {
            "PIL": ["pillow"],
            "cpuinfo": ["py-cpuinfo"],
            "cv2": ["opencv-python", "opencv-python-headless"],
            "dateutil": ["python-dateutil"],
            "opencv": ["opencv-python"],
            "pil": ["pillow"],
            "yaml": ["pyyaml"],
        },
        hint_names(
            ["python-dateutil", "pyyaml", "pillow", "opencv-python", "opencv-python-headless", "py-cpuinfo", "requests"],
            {"opencv-python-headless": True},
        ),
    )

    # A name the hub declares, or a locked package, is never shadowed.
    asserts.equals(env, {}, hint_names(["python-dateutil", "dateutil"], {}))
    asserts.equals(env, {}, hint_names(["pyyaml"], {"yaml": True}))

    # Import names of distributions that are not locked give nothing.
    asserts.equals(env, {}, hint_names(["numpy", "requests"], {}))
    return unittest.end(env)

hint_names_test = unittest.make(_hint_names_test_impl)

def _declared_names_test_impl(ctx):
    env = unittest.begin(ctx)
    build = '''not_needed(name = "_not_needed")
hub_target(
    name = "numpy",
    actual = ":numpy__2.4.6",
)
alias(name = "typing_extensions", actual = ":typing-extensions")
'''
    asserts.equals(env, ["_not_needed", "numpy", "typing_extensions"], sorted(declared_names(build).keys()))
    return unittest.end(env)

declared_names_test = unittest.make(_declared_names_test_impl)

def _hints_build_text_test_impl(ctx):
    env = unittest.begin(ctx)
    asserts.equals(env, "", hints_build_text("poetry", {}))
    text = hints_build_text("poetry", {"cv2": ["opencv-python", "opencv-python-headless"]})
    asserts.true(
        env,
        text.endswith('did_you_mean(name = "cv2", hub = "poetry", packages = ["opencv-python","opencv-python-headless"], tags = ["manual"])\n'),
        text,
    )
    return unittest.end(env)

hints_build_text_test = unittest.make(_hints_build_text_test_impl)

def _url_userinfo_test_impl(ctx):
    env = unittest.begin(ctx)
    split = url_auth_testing.split_userinfo

    # User info leaves the URL (so no message or file shows it) and becomes basic auth.
    asserts.equals(env, ("https://pkgs.example/simple/", {"login": "me", "password": "p@ss:w/rd"}), split("https://me:p%40ss%3Aw%2Frd@pkgs.example/simple/"))
    asserts.equals(env, ("https://pkgs.example/a@b", {"login": "aws", "password": ""}), split("https://aws@pkgs.example/a@b"))
    asserts.equals(env, ("https://pypi.org/simple", None), split("https://pypi.org/simple"))
    asserts.equals(env, ("file:///x", None), split("file:///x"))

    # A host for messages never carries user info.
    asserts.equals(env, "pkgs.example:8443", url_auth_testing.host("https://me:secret@pkgs.example:8443/simple/"))
    return unittest.end(env)

url_userinfo_test = unittest.make(_url_userinfo_test_impl)

# Three tables of Rust 1.99.1's channel-rust-1.99.1.toml as its dist server
# wrote them, and two that a tampered manifest could hold.
_RUST_MANIFEST = """manifest-version = "2"
date = "2026-10-15"

[pkg.rustc.target.aarch64-apple-darwin]
available = false

[pkg.rust-std.target.aarch64-unknown-linux-gnu]
available = true
url = "https://static.rust-lang.org/dist/2026-10-15/rust-std-1.99.1-aarch64-unknown-linux-gnu.tar.gz"
hash = "32d1ddb44cd49d6497ab6a24f440d4286a20b2667fdf928b876f59c66d13d722"
xz_url = "https://static.rust-lang.org/dist/2026-10-15/rust-std-1.99.1-aarch64-unknown-linux-gnu.tar.xz"
xz_hash = "e25668477083d6a9ddb87b9beb9c00742225f38233ccb4bfba3afa7a07427f52"

[pkg.rustc.target.x86_64-unknown-linux-gnu]
available = true
url = "https://static.rust-lang.org/dist/2026-10-15/rustc-1.99.1-x86_64-unknown-linux-gnu.tar.gz"
hash = "85e7c0e6f21636f714e2a42966011364a6cc56b6548126d32144d6ba90904966"
xz_url = "https://static.rust-lang.org/dist/2026-10-15/rustc-1.99.1-x86_64-unknown-linux-gnu.tar.xz"
xz_hash = "2ff05ff9c08a90861e7f6e4065b40a8b87463b4576186fd613871c3e37f2091f"

[pkg.cargo.target.x86_64-unknown-linux-gnu]
available = true
xz_url = "https://evil.example/dist/cargo.tar.xz"
xz_hash = "2ff05ff9c08a90861e7f6e4065b40a8b87463b4576186fd613871c3e37f2091f"

[pkg.cargo.target.aarch64-unknown-linux-gnu]
available = true
xz_url = "https://static.rust-lang.org/dist/2026-10-15/cargo.tar.xz"
xz_hash = "2FF05FF9c08a90861e7f6e4065b40a8b87463b4576186fd613871c3e37f2091f"
"""

def _manifest_archive_test_impl(ctx):
    env = unittest.begin(ctx)
    got = manifest_archive(_RUST_MANIFEST, "rustc", "x86_64-unknown-linux-gnu")
    asserts.equals(env, "https://static.rust-lang.org/dist/2026-10-15/rustc-1.99.1-x86_64-unknown-linux-gnu.tar.xz", got.url)
    asserts.equals(env, "2ff05ff9c08a90861e7f6e4065b40a8b87463b4576186fd613871c3e37f2091f", got.sha256)

    # A table in the middle ends at the next one.
    got = manifest_archive(_RUST_MANIFEST, "rust-std", "aarch64-unknown-linux-gnu")
    asserts.equals(env, "e25668477083d6a9ddb87b9beb9c00742225f38233ccb4bfba3afa7a07427f52", got.sha256)
    for component, triple, why in [
        ("rustc", "aarch64-apple-darwin", "the release has no rustc for aarch64-apple-darwin (`available = false`)"),
        ("rustc", "riscv64gc-unknown-linux-gnu", "the manifest lists no rustc for riscv64gc-unknown-linux-gnu"),
        ("cargo", "x86_64-unknown-linux-gnu", "the manifest's URL of cargo for x86_64-unknown-linux-gnu is not a .tar.xz under https://static.rust-lang.org/dist/"),
        ("cargo", "aarch64-unknown-linux-gnu", "the manifest's sha256 of cargo for aarch64-unknown-linux-gnu is not 64 hex digits"),
    ]:
        asserts.equals(env, why, manifest_archive(_RUST_MANIFEST, component, triple))
    return unittest.end(env)

manifest_archive_test = unittest.make(_manifest_archive_test_impl)

def unit_test_suite(name):
    unittest.suite(
        name,
        url_userinfo_test,
        normalize_name_test,
        select_packages_test,
        hint_names_test,
        declared_names_test,
        hints_build_text_test,
        manifest_archive_test,
    )
