"""The poetry and uv extensions' glue, against a mock module_ctx: tags -> `ofiuco lock` -> repositories."""

load("@bazel_skylib//lib:unittest.bzl", "asserts", "unittest")

# buildifier: disable=bzl-visibility (tests of ofiuco's own internals)
load("//python/private:extension.bzl", "poetry_impl", "uv_impl")

_FILES_JSON = json.encode({"files": [
    {
        "filename": "six-1.17.0-py2.py3-none-any.whl",
        "indexes": ["https://pypi.org/simple"],
        "package": "six",
        "repo": "hub__six-1.17.0-py2.py3-none-any.whl",
        "sha256": "4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274",
        "urls": [],
        "version": "1.17.0",
    },
    {
        "filename": "kernels-0.1-cp311-cp311-linux_x86_64.whl",
        "indexes": [],
        "package": "kernels",
        "repo": "hub__kernels-0.1-cp311-cp311-linux_x86_64.whl",
        "sha256": "00" * 32,
        "urls": ["https://example.com/kernels-0.1-cp311-cp311-linux_x86_64.whl"],
        "version": "0.1",
    },
    {
        "filename": "crcmod-1.7.tar.gz",
        "indexes": ["https://pypi.org/simple"],
        "package": "crcmod",
        "repo": "hub__crcmod-1.7.tar.gz",
        "sdist": True,
        "sha256": "dc7051a0db5f2bd48665a990d3ec1cc305a466a77358ca4492826f41f283601e",
        "urls": [],
        "version": "1.7",
    },
]})

def _fake_path(name, children = {}):
    return struct(
        name = name,
        exists = True,
        dirname = struct(get_child = lambda child: _fake_path(name.rpartition("/")[0] + "/" + child)),
        get_child = lambda child: children.get(child, _fake_path(name + "/" + child)),
    )

_SOURCES_JSON = json.encode({
    "files": [{
        "filename": "six-1.17.0.tar.gz",
        "indexes": [],
        "package": "six",
        "path": "dist/six-1.17.0.tar.gz",
        "repo": "hub__six-1.17.0.tar.gz",
        "sdist": True,
        "sha256": "ff70335d468e7eb6ec65b95b99d3a2836546063f63acc5171de367e834932a81",
        "urls": [],
        "version": "1.17.0",
    }],
    "sources": [
        {"editable": True, "kind": "directory", "package": "mylib", "path": "libs/mylib", "repo": "hub__mylib-0.1.src", "version": "0.1"},
        {"commit": "0123456789abcdef0123456789abcdef01234567", "kind": "git", "package": "tool", "reference": "main", "repo": "hub__tool-1.0.git", "subdirectory": "py", "url": "https://example.com/tool.git", "version": "1.0"},
    ],
})

# What `ofiuco sdist-info --dir` writes for a local directory (read by the
# extension's build requirement check).
_SDIST_INFO = json.encode({"backend": "flit_core.buildapi", "requires": []})

def _mock_mctx(tags, calls, build = [], build_tools = [], files_json = _FILES_JSON):
    """A module_ctx whose helper writes _FILES_JSON and a BUILD.bazel naming the lock."""
    return struct(
        modules = [struct(tags = struct(parse = tags, build = build, build_tools = build_tools))],
        file = lambda p, content: calls["file"].append((p.name, content)),
        path = lambda p: _fake_path(str(p)),
        watch = lambda p: calls["watch"].append(p.name),
        which = lambda tool: _fake_path("/usr/bin/" + tool),
        execute = lambda args, **kwargs: (calls["execute"].append([str(a) if type(a) == "Label" else getattr(a, "name", a) for a in args]) or struct(return_code = 0, stdout = "", stderr = "")),
        read = lambda p: files_json if p.name.endswith("files.json") else (_SDIST_INFO if "_ofiuco_sdist_info" in p.name else "# hub of " + p.name),
        extension_metadata = lambda **kwargs: struct(**kwargs),
    )

def _recorders(calls):
    return struct(
        git_source_repo = lambda **kwargs: calls["git_source_repo"].append(kwargs),
        hub_repo = lambda **kwargs: calls["hub_repo"].append(kwargs),
        local_source_repo = lambda **kwargs: calls["local_source_repo"].append(kwargs),
        lock_files_repo = lambda **kwargs: calls["lock_files_repo"].append(kwargs),
        whl_file_repo = lambda **kwargs: calls["whl_file_repo"].append(kwargs),
    )

def _tag(name):
    return struct(name = name, lock = "//:" + name + ".lock")

def _calls():
    return {"execute": [], "file": [], "git_source_repo": [], "hub_repo": [], "local_source_repo": [], "lock_files_repo": [], "watch": [], "whl_file_repo": []}

def _declares_repos_test_impl(ctx):
    env = unittest.begin(ctx)
    calls = _calls()
    metadata = poetry_impl(_mock_mctx([_tag("hub")], calls), _recorders(calls))
    asserts.true(env, metadata.reproducible)

    # One file repository per files.json entry, with its attributes; then the hub.
    # (The mock helper writes the same files.json for ofiuco's build tools, declared first.)
    files = calls["whl_file_repo"][3:]
    asserts.equals(env, ["hub__six-1.17.0-py2.py3-none-any.whl", "hub__kernels-0.1-cp311-cp311-linux_x86_64.whl", "hub__crcmod-1.7.tar.gz"], [c["name"] for c in files])
    six = files[0]
    asserts.equals(env, "4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274", six["sha256"])
    asserts.equals(env, ["https://pypi.org/simple"], six["indexes"])
    asserts.equals(env, ["https://example.com/kernels-0.1-cp311-cp311-linux_x86_64.whl"], files[1]["urls"])
    asserts.equals(env, {
        "apparent_name": "hub",
        "build_file_content": "# hub of _lock/hub/BUILD.bazel",
        "hints": {},
        "name": "hub",
    }, calls["hub_repo"][-1])

    # An sdist's repository reads its [build-system] and maps requirements to
    # ofiuco's build tools hub (declared too); wheels get no mapping.
    asserts.false(env, six["sdist"])
    asserts.equals(env, {}, six["build_tools"])
    asserts.true(env, files[2]["sdist"])
    asserts.equals(env, "@ofiuco_build_tools//:six", files[2]["build_tools"]["six"])
    asserts.equals(env, "ofiuco_build_tools", calls["hub_repo"][0]["name"])

    # The lock and the pyproject beside it are watched (and ofiuco's build tools lock).
    asserts.equals(env, ["//:hub.lock", "//pyproject.toml"], calls["watch"][:2])

    # `ofiuco lock` runs once for the hub (and once for the build tools, which are never built).
    lock_calls = [c for c in calls["execute"] if "lock" in c]
    asserts.equals(env, 2, len(lock_calls))
    asserts.equals(env, ["--build-default", "never"], lock_calls[1][-2:])
    lock_call = lock_calls[0]
    asserts.equals(env, ["--hub-name", "hub"], lock_call[lock_call.index("--hub-name"):lock_call.index("--hub-name") + 2])
    return unittest.end(env)

declares_repos_test = unittest.make(_declares_repos_test_impl)

def _one_lock_run_per_tag_test_impl(ctx):
    env = unittest.begin(ctx)
    calls = _calls()
    poetry_impl(_mock_mctx([_tag("a"), _tag("b")], calls), _recorders(calls))
    lock_calls = [c for c in calls["execute"] if "lock" in c]
    asserts.equals(env, ["a", "b", "ofiuco_build_tools"], [c[c.index("--hub-name") + 1] for c in lock_calls])
    asserts.equals(env, ["ofiuco_build_tools", "a", "b"], [c["name"] for c in calls["hub_repo"]])
    return unittest.end(env)

one_lock_run_per_tag_test = unittest.make(_one_lock_run_per_tag_test_impl)

def _build_policy_test_impl(ctx):
    env = unittest.begin(ctx)
    calls = _calls()
    build = [struct(hub = "hub", package = "CRCMod", mode = "auto", native = True, wheel = None)]
    poetry_impl(_mock_mctx([_tag("hub")], calls, build = build, build_tools = [struct(hub = "hub", replace_default = True)]), _recorders(calls))

    # The policy reaches `ofiuco lock` as a JSON file, by normalized name.
    asserts.equals(env, [("_lock/hub.build.json", json.encode({"crcmod": {"mode": "auto", "native": True}}))], calls["file"])
    lock_call = [c for c in calls["execute"] if "lock" in c][0]
    asserts.equals(env, ["--build-policy", "_lock/hub.build.json"], lock_call[-2:])

    # `poetry.build_tools(hub = "hub", replace_default = True)`: only the hub's own packages build.
    sdist = [c for c in calls["whl_file_repo"] if c["name"] == "hub__crcmod-1.7.tar.gz"][-1]
    asserts.equals(env, {"crcmod": "@hub//:crcmod", "kernels": "@hub//:kernels", "six": "@hub//:six"}, sdist["build_tools"])
    return unittest.end(env)

build_policy_test = unittest.make(_build_policy_test_impl)

def _uv_declares_the_same_repos_test_impl(ctx):
    env = unittest.begin(ctx)
    poetry_calls, uv_calls = _calls(), _calls()
    poetry_impl(_mock_mctx([_tag("hub")], poetry_calls), _recorders(poetry_calls))
    uv_calls_metadata = uv_impl(_mock_mctx([struct(name = "hub", lock = "//:uv.lock")], uv_calls), _recorders(uv_calls))
    asserts.true(env, uv_calls_metadata.reproducible)

    # `uv.parse` is `poetry.parse` under another name: the same repositories,
    # from one `ofiuco lock` run on the uv.lock (and one on ofiuco's build tools).
    asserts.equals(env, poetry_calls["whl_file_repo"], uv_calls["whl_file_repo"])
    asserts.equals(env, poetry_calls["hub_repo"][0], uv_calls["hub_repo"][0])

    # A lock named uv.lock (or poetry.lock) also gets `:lock`, `:update` and `:lock_test`.
    hub = uv_calls["hub_repo"][-1]["build_file_content"]
    asserts.true(env, hub.startswith('load("@ofiuco//python/private:lock_targets.bzl", "lock_check_test", "lock_runner")\n# hub of '), hub)
    asserts.true(env, 'lock_runner(name = "update", hub = "hub", lock = "uv.lock", mode = "update", tool = "uv")' in hub, hub)
    asserts.true(env, 'relock = "bazel run @hub//:lock"' in hub, hub)
    asserts.true(env, 'lock = "@hub__lock_files//:uv.lock"' in hub, hub)
    asserts.equals(env, [{"lock": Label("//:uv.lock"), "name": "hub__lock_files"}], uv_calls["lock_files_repo"])
    asserts.equals(env, [], poetry_calls["lock_files_repo"])
    asserts.equals(env, "# hub of _lock/hub/BUILD.bazel", poetry_calls["hub_repo"][-1]["build_file_content"])
    lock_calls = [c for c in uv_calls["execute"] if "lock" in c]
    asserts.equals(env, 2, len(lock_calls))
    asserts.true(env, "//:uv.lock" in lock_calls[0], str(lock_calls[0]))
    return unittest.end(env)

uv_declares_the_same_repos_test = unittest.make(_uv_declares_the_same_repos_test_impl)

def _declares_source_repos_test_impl(ctx):
    env = unittest.begin(ctx)
    calls = _calls()
    poetry_impl(_mock_mctx([_tag("hub")], calls, files_json = _SOURCES_JSON), _recorders(calls))

    # Each hub's sources (the mock's files.json serves the build tools hub too:
    # one repository each for both hubs), with the lock for relative paths.
    git = calls["git_source_repo"][-1]
    asserts.equals(env, {
        "build_tools": git["build_tools"],
        "commit": "0123456789abcdef0123456789abcdef01234567",
        "name": "hub__tool-1.0.git",
        "package": "tool",
        "reference": "main",
        "subdirectory": "py",
        "url": "https://example.com/tool.git",
        "version": "1.0",
    }, git)
    asserts.equals(env, "@ofiuco_build_tools//:six", git["build_tools"]["six"])
    local = calls["local_source_repo"][-1]
    asserts.equals(env, ("hub__mylib-0.1.src", "//:hub.lock", "libs/mylib", True), (local["name"], local["lock"], local["path"], local["editable"]))

    # A local file: its path and the lock, no index.
    six = calls["whl_file_repo"][-1]
    asserts.equals(env, ("dist/six-1.17.0.tar.gz", "//:hub.lock", []), (six["path"], six["lock"], six["indexes"]))
    return unittest.end(env)

declares_source_repos_test = unittest.make(_declares_source_repos_test_impl)

def extension_test_suite(name):
    unittest.suite(
        name,
        declares_repos_test,
        one_lock_run_per_tag_test,
        build_policy_test,
        uv_declares_the_same_repos_test,
        declares_source_repos_test,
    )
