"""`bazel run` targets that ship what ofiuco builds: image pushes and AWS Lambda deploys.

```starlark
load("@ofiuco//lib:deploy.bzl", "py_lambda_deploy", "py_oci_push", "run_for_platform")

py_oci_push(name = "push", image = ":index", repository = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/worker",
            remote_tags = ["latest"])
py_lambda_deploy(name = "deploy", zip = ":lambda_zip", function_name = "my-function", publish = True)
run_for_platform(name = "push_arm64", command = "//other:oci_push", platform = ":linux_arm64")
```

`bazel run //:push -- --tag v1.2`, `bazel run //:deploy -- --dry-run`.
"""

load("//lib/private:deploy.bzl", _py_lambda_deploy = "py_lambda_deploy", _py_oci_push = "py_oci_push", _run_for_platform = "run_for_platform")

py_oci_push = _py_oci_push
py_lambda_deploy = _py_lambda_deploy
run_for_platform = _run_for_platform
