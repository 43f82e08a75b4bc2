"""flit_core's backend, after a download: what a networked build looks like."""

import urllib.request

from flit_core import buildapi

get_requires_for_build_wheel = buildapi.get_requires_for_build_wheel
prepare_metadata_for_build_wheel = buildapi.prepare_metadata_for_build_wheel
build_sdist = buildapi.build_sdist

URL = "http://127.0.0.1:39419/"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    try:
        with urllib.request.urlopen(URL, timeout=10) as response:
            print(f"netbackend: downloaded {len(response.read())} bytes from {URL}")
    except OSError as err:  # TimeoutError, URLError and ConnectionError too
        raise SystemExit(f"netbackend: cannot download {URL}: {err}") from err
    return buildapi.build_wheel(wheel_directory, config_settings, metadata_directory)
