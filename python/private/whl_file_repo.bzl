"""A repository holding one distribution file, fetched by Bazel's downloader."""

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

def _probe_url(filename):
    # A URL that can only be answered by the repository cache (looked up by
    # sha256) or by --distdir (looked up by the URL's base name): fetching it
    # fails at once, without any network request.
    return "file:///ofiuco-cache-probe/" + filename

def _index_page(rctx, index):
    """Downloads the Simple API page of the package; returns (path, url) or None."""
    url = index.rstrip("/") + "/" + rctx.attr.package + "/"
    page = rctx.path("_index/" + str(hash(url)) + ".html")
    result = rctx.download(url = url, output = page, allow_fail = True)
    return (page, url) if result.success else None

def _resolve_url(rctx):
    helper = rctx.path(rctx.attr._helper)
    tried = []
    for index in rctx.attr.indexes:
        found = _index_page(rctx, index)
        if not found:
            tried.append(index + " (no page for " + rctx.attr.package + ")")
            continue
        page, url = found
        res = rctx.execute([helper, "resolve-url", "--page", page, "--page-url", url, "--filename", rctx.attr.filename])
        if res.return_code == 0:
            return res.stdout.strip()
        tried.append(index + " (" + res.stderr.strip() + ")")
    fail(("ofiuco: cannot find {file} of {pkg} {version} in its index.\n  tried: {tried}\n" +
          "hint: the file may have been removed from the index: re-lock, or point the source at an index that has it.").format(
        file = rctx.attr.filename,
        pkg = rctx.attr.package,
        version = rctx.attr.version,
        tried = "; ".join(tried),
    ))

def _whl_file_repo_impl(rctx):
    filename = rctx.attr.filename
    sha256 = rctx.attr.sha256

    # 1. The repository cache (by sha256) and --distdir (by file name) answer without the network.
    first = list(rctx.attr.urls) or [_probe_url(filename)]
    result = rctx.download(url = first, output = filename, sha256 = sha256, allow_fail = True)
    if not result.success and not rctx.attr.urls:
        # 2. Find the URL in the package's Simple API page (PEP 691 JSON or PEP 503 HTML).
        url = _resolve_url(rctx)
        result = rctx.download(url = url, output = filename, sha256 = sha256, allow_fail = True)
        first = [url]
    if not result.success:
        # Tell a hash mismatch apart from a failed download.
        check = rctx.download(url = first, output = "_check/" + filename, allow_fail = True)
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
        fail("ofiuco: could not download {} of {} {} from {}.\nhint: check the network, netrc or downloader config for that host.".format(
            filename,
            rctx.attr.package,
            rctx.attr.version,
            ", ".join(first),
        ))
    rctx.file("BUILD.bazel", _BUILD.format(filename = repr(filename)))

whl_file_repo = repository_rule(
    implementation = _whl_file_repo_impl,
    doc = """One distribution file (wheel or sdist) of a locked package, as `:file`.

Fetched lazily (only when a build needs it) by Bazel's downloader with the
lock's sha256, so the repository cache, `--distdir`, downloader config and
netrc apply. A warm repository cache answers without any network request.
Otherwise the URL is looked up in the package's index (Simple API).""",
    attrs = {
        "filename": attr.string(mandatory = True, doc = "The distribution file name."),
        "indexes": attr.string_list(default = ["https://pypi.org/simple"], doc = "Simple API base URLs to look the file up in, in order."),
        "package": attr.string(mandatory = True, doc = "The normalized package name (PEP 503)."),
        "sha256": attr.string(mandatory = True, doc = "The file's sha256 from the lock."),
        "urls": attr.string_list(doc = "Direct URLs (lock entries of `url` type); no index lookup when set."),
        "version": attr.string(mandatory = True, doc = "The locked version, for messages."),
        "_helper": attr.label(default = "@ofiuco_helper//:ofiuco"),
    },
)
