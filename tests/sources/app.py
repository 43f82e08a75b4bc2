"""A Lambda handler using one package of each source kind, all built by ofiuco."""

import cxxpkg
import iniconfig
import localpkg
import six


def handler(event, _context):
    ini = iniconfig.IniConfig("event.ini", data=event.get("ini", ""))
    return {
        "sections": list(ini.sections),
        "shout": localpkg.shout(event.get("text", "")),
        "message": localpkg.MESSAGE,
        "six": six.__version__,
        "sorted": cxxpkg.sort_words(event.get("words", "")),
        "second_commit": hasattr(iniconfig, "OFIUCO_SECOND_COMMIT"),
    }
