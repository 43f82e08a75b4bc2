"""OCI images of Python targets, built for any target platform.

```starlark
load("@ofiuco//lib:image.bzl", "py_image_layer", "py_oci_image", "py_oci_image_index")

py_image_layer(name = "layers", target = ":worker", groups = {"numpy": ["numpy"]})
py_oci_image(name = "image", base = "@debian_python//:layout", layers = [":layers"],
             entrypoint = ["/usr/bin/python3", "/var/task/worker.py"])
py_oci_image_index(name = "index", image = ":image",
                   platforms = [":linux_x86_64", ":linux_arm64"])
```

`py_image_layer`'s tarballs also serve rules_oci's `oci_image(tars = [...])`.
"""

load("//lib/private:image_info.bzl", _OfiucoImageInfo = "OfiucoImageInfo", _OfiucoImageLayerInfo = "OfiucoImageLayerInfo")
load("//lib/private:image_layer.bzl", _py_image_layer = "py_image_layer")
load("//lib/private:oci_image.bzl", _py_oci_image = "py_oci_image", _py_oci_image_index = "py_oci_image_index")

py_image_layer = _py_image_layer
py_oci_image = _py_oci_image
py_oci_image_index = _py_oci_image_index
OfiucoImageLayerInfo = _OfiucoImageLayerInfo
OfiucoImageInfo = _OfiucoImageInfo
