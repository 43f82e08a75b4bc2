"""A repository holding one distribution file, fetched by Bazel's downloader."""

load("@bazel_tools//tools/build_defs/repo:utils.bzl", "get_auth")
load(":local_path.bzl", "resolve_local_path")
load(":providers.bzl", "CARGO_VENDOR_DIR", "normalize_name")

# `{filename}` is a string literal made by repr(): text from the lock file
# never reaches this BUILD file unescaped.
_BUILD = """\
package(default_visibility = ["//visibility:public"])

exports_files([{filename}])

filegroup(
    name = "file",
    srcs = [{filename}],
)
"""

def _from_repository_cache(rctx):
    # A download without URLs is Bazel's cache probe: the repository cache
    # answers it by sha256, and a miss fails quietly (no request, no warning).
    # --distdir is not consulted (it matches URL base names); see _from_distdir.
    return rctx.download(url = [], output = rctx.attr.filename, sha256 = rctx.attr.sha256, allow_fail = True)

def _from_distdir(rctx):
    # A URL that only --distdir (by base name) can answer. A miss prints
    # Bazel's "Download from file:/ofiuco-cache-probe/... failed" warning, so
    # this runs only when the index could not provide the file.
    url = "file:///ofiuco-cache-probe/" + rctx.attr.filename
    return rctx.download(url = url, output = rctx.attr.filename, sha256 = rctx.attr.sha256, allow_fail = True)

def _split_userinfo(url):
    """(url without `user:password@`, {"login", "password"} or None)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url, None
    authority, slash, path = rest.partition("/")
    userinfo, at, host = authority.rpartition("@")
    if not at:
        return url, None
    login, _, password = userinfo.partition(":")
    return scheme + "://" + host + slash + path, {"login": _unquote(login), "password": _unquote(password)}

_PRINTABLE = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"
_HEX = "0123456789ABCDEF"

# `%XX` -> the printable ASCII character (both cases of hex digits).
_PERCENT = {
    "%" + hi + lo: c
    for i, c in enumerate(_PRINTABLE.elems())
    for hi in [_HEX[(32 + i) // 16], _HEX[(32 + i) // 16].lower()]
    for lo in [_HEX[(32 + i) % 16], _HEX[(32 + i) % 16].lower()]
}

def _unquote(text):
    """Percent-decoding of URL user info (`%40` is `@`; printable ASCII only)."""
    parts = text.split("%")
    out = [parts[0]]
    for part in parts[1:]:
        c = _PERCENT.get("%" + part[:2])
        out.append(c + part[2:] if c != None else "%" + part)
    return "".join(out)

# For tests/unit.
url_auth_testing = struct(split_userinfo = lambda url: _split_userinfo(url), host = lambda url: _host(url))

def _host(url):
    """The `host[:port]` of a URL, for messages (never its user info)."""
    return url.partition("://")[2].partition("/")[0].rpartition("@")[2]

def _with_auth(rctx, urls):
    """(urls without user info, the `auth` dict for rctx.download).

    Credentials come from the URL's own user info, else from `.netrc` (`NETRC`,
    else `~/.netrc`); Bazel's credential helpers (`--credential_helper`) apply
    by themselves. The URLs passed on never carry user info, so Bazel's
    messages and the repository's files never show a password.
    """
    clean = []
    auth = {}
    for url in urls:
        bare, userinfo = _split_userinfo(url)
        clean.append(bare)
        if userinfo:
            auth[bare] = dict(type = "basic", **userinfo)
    netrc = rctx.os.environ.get("NETRC")
    if netrc and not rctx.path(netrc).exists:
        fail("ofiuco: `NETRC` names {}, which does not exist (fetching {} {}).\nhint: point `NETRC` (e.g. `--repo_env=NETRC=...`) at your netrc file, or unset it to use `~/.netrc`.".format(netrc, rctx.attr.package, rctx.attr.version))
    for url, entry in get_auth(rctx, [u for u in clean if u not in auth]).items():
        auth[url] = entry
    return clean, auth

# Bazel's downloader is Java: it trusts the JVM's trust store, not the system's.
_TLS_HINT = (" For https, check also that Bazel trusts the certificate of {host} (Bazel's WARNING above says" +
             " `PKIX path building failed` when not): a private CA goes into a trust store given to Bazel with" +
             " `startup --host_jvm_args=-Djavax.net.ssl.trustStore=/path/to/truststore.p12` in .bazelrc (see docs/guides/locks-and-indexes.md).")

def _credentials_hint(url, had_credentials):
    host = _host(url)
    hostname = host.partition(":")[0]
    tls = _TLS_HINT.format(host = host) if url.startswith("https://") else ""
    if had_credentials:
        return "the credentials ofiuco found for {host} (URL user info or netrc) were sent: check them, or let a credential helper answer (`--credential_helper={hostname}=/path/to/helper`).{tls}".format(host = host, hostname = hostname, tls = tls)
    return ("if {host} needs credentials, supply them in a netrc file (`machine {hostname} login USER password SECRET` in `~/.netrc`, or the file `NETRC` names, e.g. `--repo_env=NETRC=/path/to/netrc`) " +
            "or with a Bazel credential helper (`--credential_helper={hostname}=/path/to/helper`); otherwise check the network and the URL.{tls}").format(host = host, hostname = hostname, tls = tls)

def _index_page(rctx, index):
    """Downloads the Simple API page of the package; returns (path, url, None) or (None, url, why)."""

    # A single-page source (Poetry: a URL ending in .htm or .html; a find-links page) is its own page.
    single = index.endswith(".html") or index.endswith(".htm")
    urls, auth = _with_auth(rctx, [index if single else index.rstrip("/") + "/" + rctx.attr.package + "/"])
    url = urls[0]
    if url.startswith("http://"):
        # Bazel's downloader takes a plain-http URL only with a checksum, and an index page has none.
        return None, url, "Bazel downloads plain-http URLs only with a checksum, and an index page has none: serve the index over https (a lock with file URLs, like a uv.lock, needs no index page)"
    page = rctx.path("_index/" + str(hash(url)) + ".html")
    result = rctx.download(url = url, output = page, allow_fail = True, auth = auth)
    return (page, url, None) if result.success else (None, url, _credentials_hint(url, url in auth))

def _resolve_url(rctx):
    """The file's URL from the Simple API of its indexes: (url or None, what was tried)."""
    helper = rctx.path(rctx.attr._helper)
    tried = []
    for index in rctx.attr.indexes:
        page, url, why = _index_page(rctx, index)
        if not page:
            tried.append(struct(
                text = "{} (no page for {}: {})".format(url, rctx.attr.package, why),
                unreadable = True,
            ))
            continue
        res = rctx.execute([helper, "resolve-url", "--page", page, "--page-url", url, "--filename", rctx.attr.filename])
        if res.return_code == 0:
            return res.stdout.strip(), tried
        tried.append(struct(text = url + " (" + res.stderr.strip() + ")", unreadable = False))
    return None, tried

def _not_in_index(rctx, tried):
    if tried and all([t.unreadable for t in tried]):
        fail(("ofiuco: cannot read the index page of {pkg} for {file} ({pkg} {version}).\n  tried: {tried}\n" +
              "hint: each index above says what to check; the lock's source URL is the one its tool (Poetry, uv) used.").format(
            file = rctx.attr.filename,
            pkg = rctx.attr.package,
            version = rctx.attr.version,
            tried = "; ".join([t.text for t in tried]),
        ))
    fail(("ofiuco: cannot find {file} of {pkg} {version} in its index.\n  tried: {tried}\n" +
          "hint: the file may have been removed from the index: re-lock, or point the source at an index that has it.").format(
        file = rctx.attr.filename,
        pkg = rctx.attr.package,
        version = rctx.attr.version,
        tried = "; ".join([t.text for t in tried]),
    ))

_BUILD_REQUIRES = """
load("@ofiuco//python/private:sdist_build.bzl", "build_requires")

# From the sdist's pyproject.toml `[build-system]` (setuptools' legacy
# backend when it has none), mapped to the build tools' hub targets.
build_requires(
    name = "build_requires",
    backend = {backend},
    backend_path = {backend_path},
    cxx = {cxx},
    requires = {requires},
    deps = {deps},{rust}
)
"""

_RUST = """
    cargo_vendor = glob(["{dir}/**"], allow_empty = True),
    rust = "@ofiuco_rust//:files","""

def _vendor_crates(rctx, info, what):
    """Downloads the crates.io crates of the sdist's Cargo.lock, each checked by its checksum.

    Args:
      rctx: the repository_ctx.
      info: the decoded `ofiuco sdist-info` output (`cargo_crates`: name, version, checksum, validated).
      what: the source, for messages.
    """
    crates = info.get("cargo_crates", [])
    rctx.report_progress("Vendoring {} crates of {}'s Cargo.lock".format(len(crates), what))
    for c in crates:
        stem = "{}-{}".format(c["name"], c["version"])
        result = rctx.download_and_extract(
            url = ["https://static.crates.io/crates/{}/{}.crate".format(c["name"], stem)],
            sha256 = c["checksum"],
            type = "tar.gz",
            stripPrefix = stem,
            output = "{}/{}".format(CARGO_VENDOR_DIR, stem),
            allow_fail = True,
        )
        if not result.success:
            fail(("ofiuco: cannot vendor the crate {crate} (sha256 {sha}) of {pkg} {version}'s Cargo.lock ({what}) " +
                  "from crates.io.\nhint: check the network (static.crates.io), or supply a wheel with " +
                  "`poetry.build(package = \"{pkg}\", wheel = ...)`.").format(
                crate = stem,
                sha = c["checksum"],
                pkg = rctx.attr.package,
                version = rctx.attr.version,
                what = what,
            ))

        # cargo's directory sources: the package's checksum; the files are not listed.
        rctx.file(
            "{}/{}/.cargo-checksum.json".format(CARGO_VENDOR_DIR, stem),
            json.encode({"files": {}, "package": c["checksum"]}),
        )

def _is_rust(info):
    backend = info["backend"].split(":")[0].split(".")[0]
    return bool(info.get("cargo_lock")) or backend == "maturin" or \
           [r for r in info["requires"] if _requirement_name(r) in ["maturin", "setuptools-rust"]] != []

def _requirement_name(text):
    """The normalized name of a PEP 508 requirement string ("" when it has none)."""
    name = []
    for c in text.strip().elems():
        if c.isalnum() or c in "-_.":
            name.append(c)
        else:
            break
    return normalize_name("".join(name))

def missing_build_requirement(info, tools, package, version, what, also = ["packaging"]):
    """The error for the first requirement of `info` (`ofiuco sdist-info`'s JSON) that no build tool provides, else None.

    Args:
      info: the decoded `ofiuco sdist-info` output (`requires`, `backend`).
      tools: normalized package name -> the hub target that provides it.
      package: the package being built, as locked.
      version: its locked version.
      what: its source, for messages.
      also: requirements of ofiuco's frontend itself, checked too.

    Returns:
      The message, or None.
    """
    for text in info["requires"] + also:
        name = _requirement_name(text)

        # With a marker, it may not apply: the build action checks it.
        if name not in tools and ";" not in text:
            return ("ofiuco: cannot build {pkg} {version} from {file}: its build backend `{backend}` requires `{req}`, " +
                    "which no build tools hub provides (searched: {hubs}).\n" +
                    "hint: lock `{name}` in a hub of your own (e.g. a Poetry `build` group) and name it with " +
                    "`poetry.build_tools(hub = ...)`, or supply a wheel with `poetry.build(package = \"{pkg}\", wheel = ...)`.").format(
                pkg = package,
                version = version,
                file = what,
                backend = info["backend"],
                req = text,
                name = name,
                hubs = ", ".join(sorted({tools[n].split("//")[0]: True for n in tools}.keys())) or "none",
            )
    return None

def build_requires_text(rctx, info_args, what):
    """`:build_requires` of an sdist or source tree: read its [build-system] and map it to build tools.

    Args:
      rctx: the repository_ctx (attributes `package`, `version`, `build_tools`, `_helper`).
      info_args: what `ofiuco sdist-info` reads: `["--sdist", file]` or `["--dir", directory]`.
      what: the source, for messages (a file name, "the git repository ...").

    Returns:
      The BUILD text declaring `:build_requires`.
    """
    info_path = rctx.path("_sdist_info.json")
    res = rctx.execute([rctx.path(rctx.attr._helper), "sdist-info"] + info_args + ["--output", info_path])
    if res.return_code != 0:
        fail("ofiuco: cannot read the build requirements of {} ({} {}):\n{}".format(what, rctx.attr.package, rctx.attr.version, res.stderr))
    info = json.decode(rctx.read(info_path))
    rctx.delete(info_path)
    tools = rctx.attr.build_tools
    deps = {}
    for text in info["requires"] + ["packaging"]:
        name = _requirement_name(text)
        if name in tools:
            deps[tools[name]] = True
    problem = missing_build_requirement(info, tools, rctx.attr.package, rctx.attr.version, what)
    if problem:
        fail(problem)
    rust = ""
    if _is_rust(info):
        if not info.get("cargo_lock"):
            fail(("ofiuco: cannot build {pkg} {version} from {what}: it compiles Rust (backend `{backend}`), " +
                  "but it has no Cargo.lock, so its crates cannot be pinned for an offline build.\n" +
                  "hint: use a version whose sdist ships its Cargo.lock, or supply a wheel with " +
                  "`poetry.build(package = \"{pkg}\", wheel = ...)`.").format(
                pkg = rctx.attr.package,
                version = rctx.attr.version,
                what = what,
                backend = info["backend"],
            ))
        _vendor_crates(rctx, info, what)
        rust = _RUST.format(dir = CARGO_VENDOR_DIR)
    return _BUILD_REQUIRES.format(
        rust = rust,
        backend = repr(info["backend"]),
        backend_path = repr(info["backend_path"]),
        cxx = repr(info["cxx"] == True),
        requires = repr(info["requires"]),
        deps = repr(sorted(deps.keys())),
    )

def _from_local_path(rctx):
    """A local file of the lock (poetry `file`, uv `path`): copied and checked against the lock's sha256."""
    what = "{} {}".format(rctx.attr.package, rctx.attr.version)
    local = resolve_local_path(rctx, rctx.attr.lock, rctx.attr.path, what)
    rctx.watch(local)
    result = rctx.download(url = "file://" + str(local), output = rctx.attr.filename, sha256 = rctx.attr.sha256, allow_fail = True)
    if not result.success:
        check = rctx.download(url = "file://" + str(local), output = "_check/" + rctx.attr.filename, allow_fail = True)
        fail(("ofiuco: the local file {path} of {what} does not match its lock: the lock says sha256 {want}, the file has {got}.\n" +
              "hint: the file changed after locking: re-lock (e.g. `poetry lock`, `uv lock`).").format(
            path = local,
            what = what,
            want = rctx.attr.sha256,
            got = check.sha256 if check.success else "(unreadable)",
        ))

def _whl_file_repo_impl(rctx):
    filename = rctx.attr.filename
    sha256 = rctx.attr.sha256
    if rctx.attr.path:
        _from_local_path(rctx)
        build = _BUILD.format(filename = repr(filename))
        if rctx.attr.sdist:
            build += build_requires_text(rctx, ["--sdist", filename], filename)
        rctx.file("BUILD.bazel", build)
        return

    # 1. The repository cache (by sha256): no request, and silent on a miss.
    result = _from_repository_cache(rctx)
    first = list(rctx.attr.urls)
    if not result.success and not first:
        # 2. Find the URL in the package's Simple API page (PEP 691 JSON or PEP 503 HTML).
        url, tried = _resolve_url(rctx)
        if url:
            first = [url]
        else:
            # 3. No index gave the file (offline, or removed from it): --distdir may have it.
            result = _from_distdir(rctx)
            if not result.success:
                _not_in_index(rctx, tried)
    auth = {}
    if not result.success:
        # --distdir (by file name) is consulted before any request.
        first, auth = _with_auth(rctx, first)
        result = rctx.download(url = first, output = filename, sha256 = sha256, allow_fail = True, auth = auth)
    if not result.success:
        # Tell a hash mismatch apart from a failed download.
        check = rctx.download(url = first, output = "_check/" + filename, allow_fail = True, auth = auth)
        if check.success and check.sha256 != sha256:
            fail(("ofiuco: hash mismatch for {file} of {pkg} {version}: the lock says sha256 {want}, " +
                  "but {url} served {got}.\nhint: the lock file is stale or the index changed the file: " +
                  "re-lock (e.g. `poetry lock`) and check where the file came from.").format(
                file = filename,
                pkg = rctx.attr.package,
                version = rctx.attr.version,
                want = sha256,
                got = check.sha256,
                url = first[0],
            ))
        fail("ofiuco: could not download {} of {} {} from {}.\nhint: {}".format(
            filename,
            rctx.attr.package,
            rctx.attr.version,
            ", ".join(first),
            _credentials_hint(first[0], first[0] in auth),
        ))
    build = _BUILD.format(filename = repr(filename))
    if rctx.attr.sdist:
        build += build_requires_text(rctx, ["--sdist", filename], filename)
    rctx.file("BUILD.bazel", build)

whl_file_repo = repository_rule(
    implementation = _whl_file_repo_impl,
    doc = """One distribution file (wheel or sdist) of a locked package, as `:file`.

Fetched lazily (only when a build needs it) by Bazel's downloader with the
lock's sha256, so the repository cache, `--distdir`, downloader config and
netrc apply. A warm repository cache answers without any network request.
Otherwise the URL is looked up in the package's index (Simple API), and
`--distdir` answers when the index cannot. A local file of the lock
(`path`) is copied from the workspace and checked the same way. An sdist that may be built also
gets `:build_requires`, its `[build-system]` mapped to build tools.""",
    attrs = {
        "build_tools": attr.string_dict(doc = "For an sdist: normalized package name -> the hub target that provides it as a build requirement."),
        "filename": attr.string(mandatory = True, doc = "The distribution file name."),
        "indexes": attr.string_list(default = ["https://pypi.org/simple"], doc = "Simple API base URLs to look the file up in, in order."),
        "lock": attr.label(allow_single_file = True, doc = "For a local `path`: the lock file, whose directory `path` is relative to."),
        "package": attr.string(mandatory = True, doc = "The normalized package name (PEP 503)."),
        "path": attr.string(doc = "A local file (poetry `file`, uv `path` sources), relative to the lock's directory and inside the workspace: copied from there, no download."),
        "sdist": attr.bool(doc = "An sdist that may be built: also declare `:build_requires` (its `[build-system]`, as build tools' hub targets)."),
        "sha256": attr.string(mandatory = True, doc = "The file's sha256 from the lock."),
        "urls": attr.string_list(doc = "Direct URLs (lock entries of `url` type); no index lookup when set."),
        "version": attr.string(mandatory = True, doc = "The locked version, for messages."),
        "_helper": attr.label(default = "@ofiuco_helper//:ofiuco"),
    },
)
