"""A hub's lock maintenance targets: `:lock` and `:update` (`bazel run`), `:lock_test`."""

def _sh(text):
    """`text` as one single-quoted shell word: lock paths and labels never become code."""
    return "'" + text.replace("'", "'\\''") + "'"

_RUNNER = """\
#!/usr/bin/env bash
# `bazel run` of a hub's `:lock` or `:update`: re-locks the lock with its tool and writes it back.
set -euo pipefail
# Every value from the module is one single-quoted word.
label={label}
lock_path={lock_path}
lock_name={lock_name}
package={package}
tool_name={tool_name}
hub={hub}
runfiles="${{RUNFILES_DIR:-$0.runfiles}}"
uv="$runfiles/"{uv}
helper="$runfiles/"{helper}
constraints="$runfiles/"{constraints}
if [[ -z "${{BUILD_WORKSPACE_DIRECTORY:-}}" ]]; then
  echo "ofiuco: run this with \\`bazel run $label\\`: it writes \\`$lock_path\\` into the workspace." >&2
  exit 2
fi
dir="$BUILD_WORKSPACE_DIRECTORY/$package"
lock="$dir/$lock_name"
if [[ ! -f "$dir/pyproject.toml" ]]; then
  echo "ofiuco: there is no pyproject.toml beside \\`$lock_path\\` (in $dir), so it cannot be re-locked." >&2
  echo "hint: $tool_name locks the project of a pyproject.toml; keep the lock beside it." >&2
  exit 1
fi
cd "$dir"
# The tool writes the lock in place; the old one is kept aside until the new one
# is known good (ofiuco reads it, and it is fresh), and put back otherwise.
backup=""
if [[ -f "$lock" ]]; then
  backup="$(mktemp "$dir/.$lock_name.ofiuco-backup.XXXXXX")"
  cp -p "$lock" "$backup"
fi
scratch="$(mktemp -d)"
restore() {{
  status=$?
  if [[ $status != 0 && -n "$backup" ]]; then
    mv -f "$backup" "$lock"
    echo "ofiuco: \\`$lock_path\\` is unchanged ($tool_name or the check of its result failed, exit $status)." >&2
  fi
  rm -rf "$scratch"
  if [[ -n "$backup" && -e "$backup" ]]; then rm -f "$backup"; fi
  exit $status
}}
trap restore EXIT
trap 'exit 130' INT TERM
# The tool's messages go to stderr as they come, and to a file for the hint below.
tool_status=0
{{ {command} "$@" 2>&1 1>&3 | tee "$scratch/tool.err" >&2; }} 3>&1 || tool_status=$?
if [[ $tool_status != 0 ]]; then
  # Hosts only: never a URL's user info.
  hosts="$(grep -oE 'https?://[^/[:space:]`"<>]+' "$scratch/tool.err" | sed -E 's#^https?://##; s#^.*@##' | sort -u | paste -sd, - || true)"
  if grep -qiE '(^|[^0-9])(401|403)([^0-9]|$)|unauthorized|forbidden' "$scratch/tool.err"; then
    echo "ofiuco: an index refused the credentials (HTTP 401 or 403; hosts in $tool_name's messages: ${{hosts:-none}})." >&2
    echo "hint: "{credentials_hint} >&2
  elif grep -qiE 'certificate verify failed|UnknownIssuer|invalid peer certificate|self.signed certificate' "$scratch/tool.err"; then
    echo "ofiuco: $tool_name does not trust the certificate of an index (hosts in its messages: ${{hosts:-none}})." >&2
    echo "hint: "{ca_hint} >&2
  fi
  exit "$tool_status"
fi
"$helper" lock "$lock" --output "$scratch/hub" --hub-name "$hub" >/dev/null
"$helper" check-lock "$lock" --relock "bazel run $label" >/dev/null
echo "ofiuco: wrote \\`$lock_path\\` with $tool_name; review the diff and commit it." >&2
"""

_HINTS = {
    "poetry": (
        "Poetry reads an index's credentials from `POETRY_HTTP_BASIC_<SOURCE>_USERNAME` and `_PASSWORD` (or `poetry config http-basic.<source> USER`, its keyring); check them for the source named in the message above.",
        "point Poetry at the CA with `POETRY_CERTIFICATES_<SOURCE>_CERT=/path/to/ca.pem` (or `poetry config certificates.<source>.cert`), or `REQUESTS_CA_BUNDLE`.",
    ),
    "uv": (
        "uv reads an index's credentials from `UV_INDEX_<NAME>_USERNAME` and `_PASSWORD`, from the index URL's user info, or from a netrc file (`NETRC`, else `~/.netrc`); check them for the index named in the message above.",
        "point uv at a CA bundle that holds your CA with `SSL_CERT_FILE=/path/to/bundle.pem`, or add the CA to the system's store and set `UV_NATIVE_TLS=1`.",
    ),
}

_COMMANDS = {
    # Poetry 2.x: `lock` keeps the locked versions where they still fit; `update --lock` upgrades without installing.
    ("poetry", "lock"): ["tool", "run", "--constraints", "$constraints", "--from", "poetry==2.5.1", "poetry", "lock"],
    ("poetry", "update"): ["tool", "run", "--constraints", "$constraints", "--from", "poetry==2.5.1", "poetry", "update", "--lock"],
    ("uv", "lock"): ["lock"],
    ("uv", "update"): ["lock", "--upgrade"],
}

def _runfile(ctx, f):
    """The file's path under the runfiles directory, as a shell word."""
    path = f.short_path
    return _sh(path[3:] if path.startswith("../") else ctx.workspace_name + "/" + path)

def _lock_runner_impl(ctx):
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    lock = ctx.attr.lock
    command = '"$uv" ' + " ".join([('"' + w + '"') if w.startswith("$") else _sh(w) for w in _COMMANDS[(ctx.attr.tool, ctx.attr.mode)]])
    ctx.actions.write(script, _RUNNER.format(
        label = _sh("@{}//:{}".format(ctx.attr.hub, ctx.label.name)),
        lock_path = _sh(lock),
        lock_name = _sh(lock.rpartition("/")[2]),
        package = _sh(lock.rpartition("/")[0] or "."),
        tool_name = _sh({"poetry": "Poetry 2.5.1 (through uv)", "uv": "uv"}[ctx.attr.tool]),
        uv = _runfile(ctx, ctx.executable._uv),
        helper = _runfile(ctx, ctx.executable._helper),
        constraints = _runfile(ctx, ctx.file._poetry_constraints),
        hub = _sh(ctx.attr.hub),
        command = command,
        credentials_hint = _sh(_HINTS[ctx.attr.tool][0]),
        ca_hint = _sh(_HINTS[ctx.attr.tool][1]),
    ), is_executable = True)
    files = [ctx.executable._uv, ctx.executable._helper, ctx.file._poetry_constraints]
    return [DefaultInfo(executable = script, runfiles = ctx.runfiles(files = files))]

lock_runner = rule(
    implementation = _lock_runner_impl,
    executable = True,
    doc = """`bazel run @<hub>//:lock` (or `:update`): re-locks the hub's lock file in the workspace.

Runs uv (`uv lock`, `uv lock --upgrade`) or Poetry 2.5.1 (`poetry lock`,
`poetry update --lock`, run by the same uv with pinned, hash-checked
requirements) in the lock's directory of `BUILD_WORKSPACE_DIRECTORY`, with the
user's environment: index settings and credentials (`UV_INDEX_URL`,
`UV_INDEX_<NAME>_USERNAME`, `POETRY_HTTP_BASIC_<NAME>_*`, `.netrc`,
`[[tool.poetry.source]]`, `[tool.uv.index]`) reach the tool as they would on
the command line. Arguments after `--` go to the tool. The old lock is put
back unless the new one is readable by ofiuco and fresh.""",
    attrs = {
        "hub": attr.string(mandatory = True, doc = "The hub's apparent name, for messages."),
        "lock": attr.string(mandatory = True, doc = "The lock file's path relative to the workspace root."),
        "mode": attr.string(mandatory = True, values = ["lock", "update"], doc = "`lock`: keep locked versions where they fit; `update`: upgrade everything."),
        "tool": attr.string(mandatory = True, values = ["poetry", "uv"], doc = "The lock's tool."),
        "_helper": attr.label(default = Label("@ofiuco_helper//:ofiuco"), executable = True, cfg = "exec", allow_single_file = True),
        "_poetry_constraints": attr.label(default = Label("//python/private:poetry_tool.txt"), allow_single_file = True),
        "_uv": attr.label(default = Label("@ofiuco_uv//:uv"), executable = True, cfg = "exec", allow_single_file = True),
    },
)

_TEST = """\
#!/usr/bin/env bash
set -euo pipefail
runfiles="${{TEST_SRCDIR:-$0.runfiles}}"
exec "$runfiles/"{helper} check-lock "$runfiles/"{lock} --pyproject "$runfiles/"{pyproject} --relock {relock}
"""

def _lock_check_test_impl(ctx):
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(script, _TEST.format(
        helper = _runfile(ctx, ctx.executable._helper),
        lock = _runfile(ctx, ctx.file.lock),
        pyproject = _runfile(ctx, ctx.file.pyproject),
        relock = _sh(ctx.attr.relock),
    ), is_executable = True)
    files = [ctx.executable._helper, ctx.file.lock, ctx.file.pyproject]
    return [DefaultInfo(executable = script, runfiles = ctx.runfiles(files = files))]

lock_check_test = rule(
    implementation = _lock_check_test_impl,
    test = True,
    doc = """`@<hub>//:lock_test`: fails when `pyproject.toml` changed since the lock was made.

A poetry.lock's `[metadata] content-hash` is recomputed as Poetry 2.x does;
a uv.lock's recorded requirements (`requires-dist`, extras, dependency
groups, `requires-python`) are compared with the project's. The failure
names what changed and the command to run (`relock`).""",
    attrs = {
        "lock": attr.label(mandatory = True, allow_single_file = True, doc = "The lock file (poetry.lock or uv.lock)."),
        "pyproject": attr.label(mandatory = True, allow_single_file = True, doc = "The `pyproject.toml` beside it."),
        "relock": attr.string(mandatory = True, doc = "The command that re-locks, for the failure's hint."),
        "_helper": attr.label(default = Label("@ofiuco_helper//:ofiuco"), executable = True, cfg = "exec", allow_single_file = True),
    },
)

def _lock_files_repo_impl(rctx):
    # Copies, not symlinks: reading the files makes Bazel watch them, and the
    # workspace's packages need not export them.
    rctx.file(rctx.attr.lock.name, rctx.read(rctx.attr.lock))
    pyproject = rctx.path(rctx.attr.lock).dirname.get_child("pyproject.toml")
    rctx.watch(pyproject)
    rctx.file("pyproject.toml", rctx.read(pyproject, watch = "yes") if pyproject.exists else "")
    rctx.file("BUILD.bazel", 'exports_files([{}, "pyproject.toml"], visibility = ["//visibility:public"])\n'.format(repr(rctx.attr.lock.name)))

lock_files_repo = repository_rule(
    implementation = _lock_files_repo_impl,
    doc = "A copy of a hub's lock and the `pyproject.toml` beside it, the inputs of its `:lock_test` (kept current: both are watched).",
    attrs = {
        "lock": attr.label(mandatory = True, allow_single_file = True, doc = "The lock file (poetry.lock or uv.lock)."),
    },
)

def lock_targets_build(hub, lock_label, tool):
    """The hub's BUILD text of `:lock`, `:update` and `:lock_test` for a lock.

    Args:
      hub: the hub's apparent name.
      lock_label: the lock's Label (poetry.lock or uv.lock).
      tool: `poetry` or `uv`.

    Returns:
      (load statement, targets): the load goes before any other statement.
      The lock and pyproject.toml come from the repository `<hub>__lock_files`
      (`lock_files_repo`), declared by the extension.
    """
    lock = (lock_label.package + "/" if lock_label.package else "") + lock_label.name
    files = "@{}__lock_files//:".format(hub)
    targets = """
# Lock maintenance (python/private/lock_targets.bzl).
lock_runner(name = "lock", hub = {hub}, lock = {lock}, mode = "lock", tool = {tool})

lock_runner(name = "update", hub = {hub}, lock = {lock}, mode = "update", tool = {tool})

lock_check_test(name = "lock_test", lock = {lock_label}, pyproject = {pyproject}, relock = {relock})
""".format(
        hub = repr(hub),
        lock = repr(lock),
        tool = repr(tool),
        lock_label = repr(files + lock_label.name),
        pyproject = repr(files + "pyproject.toml"),
        relock = repr("bazel run @{}//:lock".format(hub)),
    )
    return 'load("@ofiuco//python/private:lock_targets.bzl", "lock_check_test", "lock_runner")\n', targets
