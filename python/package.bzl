"""What generated hubs load: the `package` rule, the public hub targets, `did_you_mean` and `pick()`.

Not meant to be loaded by users' BUILD files; its API follows the hub's needs.
"""

load("//python/private:envs.bzl", _pick = "pick", _pick_lists = "pick_lists")
load("//python/private:hub_target.bzl", _did_you_mean = "did_you_mean", _hub_target = "hub_target", _not_needed = "not_needed", _outside_lock = "outside_lock")
load("//python/private:package.bzl", _package = "package")
load("//python/private:sdist_build.bzl", _sdist_build = "sdist_build")
load("//python/private:target_env.bzl", _TargetEnvInfo = "TargetEnvInfo")

package = _package
hub_target = _hub_target
did_you_mean = _did_you_mean
not_needed = _not_needed
outside_lock = _outside_lock
pick = _pick
pick_lists = _pick_lists
sdist_build = _sdist_build
TargetEnvInfo = _TargetEnvInfo
