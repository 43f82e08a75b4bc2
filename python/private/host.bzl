"""The host of a repository rule, as the key of ofiuco's per-host tables."""

def host_key(rctx):
    """`linux_x86_64`, `macos_aarch64`, ... for the host of `rctx`.

    Args:
      rctx: a repository_ctx.

    Returns:
      The key.
    """
    os = rctx.os.name.lower()
    arch = rctx.os.arch.lower()
    os = "macos" if os.startswith("mac") else ("windows" if os.startswith("windows") else os)
    arch = {"amd64": "x86_64", "arm64": "aarch64"}.get(arch, arch)
    return "{}_{}".format(os, arch)
