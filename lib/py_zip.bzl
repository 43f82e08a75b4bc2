"""`py_zip`: deterministic AWS Lambda zips of Python targets, for any target platform.

```starlark
load("@ofiuco//lib:py_zip.bzl", "py_zip")

py_zip(
    name = "deploy_aws_lambda",
    platform = "@ofiuco//lib/platforms:aws_lambda_python3_12_arm64",
    target = ":lambda",
    exclude = ["**.dist-info/**", "**/__pycache__/**"],
    exclude_packages = ["boto3"],  # the Lambda runtime provides it
)
```
"""

load("//lib/private:py_zip.bzl", _OfiucoZipInfo = "OfiucoZipInfo", _py_zip = "py_zip")

py_zip = _py_zip
OfiucoZipInfo = _OfiucoZipInfo
