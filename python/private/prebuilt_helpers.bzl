"""The prebuilt `ofiuco` helpers of this version of ofiuco: none in a checkout.

tools/release/release.sh replaces this file in the release archive with the
table that tools/release/helpers.sh writes, `{"version": ..., "helpers":
{"<os>_<cpu>": {"url": ..., "sha256": ...}}}`. Entries are only used when
`version` is the ofiuco module's version; otherwise every host builds the
helper with cargo. `--repo_env=OFIUCO_HELPER_TABLE=<path of a JSON table>`
overrides it (python/helper_toolchain.bzl).
"""

PREBUILT_HELPERS = {"helpers": {}, "version": ""}
