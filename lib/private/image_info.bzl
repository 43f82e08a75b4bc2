"""Providers of the OCI image rules."""

OfiucoImageLayerInfo = provider(
    doc = "The layers `py_image_layer` writes for one target platform, bottom to top.",
    fields = {
        "app_root": "str: the directory of the image that holds the application files (e.g. `/var/task`).",
        "layers": "list[struct(name: str, tar: File, descriptor: File)]: each layer (a `.tar.gz`) with its descriptor (digest, size, diff_id as JSON), packages first, application last.",
        "platform": "str: the OCI platform the packages were installed for, e.g. `linux/arm64/v8`.",
        "site_packages": "str: the directory of the image that holds the packages (e.g. `/opt/python`).",
    },
)

OfiucoImageInfo = provider(
    doc = "An OCI image layout written by `py_oci_image` or `py_oci_image_index`.",
    fields = {
        "descriptor": "File: JSON with the `mediaType`, `digest` and `size` of the manifest (or index) and its `platforms`.",
        "layout": "File: the OCI image layout (a directory: `oci-layout`, `index.json`, `blobs/sha256/`).",
        "platforms": "list[str]: the OCI platforms it holds, e.g. `[\"linux/amd64\", \"linux/arm64/v8\"]`.",
        "tag": "str: the image's name in `index.json` (`org.opencontainers.image.ref.name`).",
    },
)

def oci_platform(env):
    """The OCI platform of a target environment.

    Args:
      env: a TargetEnvInfo.

    Returns:
      `linux/amd64`, `linux/arm64/v8`, or None when OCI has no name for it here.
    """
    if env.os != "linux":
        return None
    return {"aarch64": "linux/arm64/v8", "x86_64": "linux/amd64"}.get(env.cpu)
