"""The `package` rule and the providers it uses (generated hubs load it)."""

load("//python/private:package.bzl", _package = "package")
load("//python/private:target_env.bzl", _TargetEnvInfo = "TargetEnvInfo", _target_env = "target_env")

package = _package
target_env = _target_env
TargetEnvInfo = _TargetEnvInfo
