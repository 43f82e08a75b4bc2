"""The transition py_zip uses, for rules of your own that build for another platform."""

load("//lib/private:transitions.bzl", _TRANSITION_ATTRS = "TRANSITION_ATTRS", _target_transition = "target_transition")

target_transition = _target_transition
TRANSITION_ATTRS = _TRANSITION_ATTRS
