"""`oci_layout_repo`: an OCI image layout already on disk, as a repository (for `py_oci_image(base = ...)`)."""

load("//lib/private:oci_layout_repo.bzl", _oci_layout_repo = "oci_layout_repo")

oci_layout_repo = _oci_layout_repo
