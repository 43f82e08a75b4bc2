"""A Lambda handler using two packages that ofiuco built from their sdists."""

import sys

import crcmod.predefined
import cwcwidth


def handler(event, _context):
    text = event.get("text", "")
    crc32 = crcmod.predefined.mkCrcFun("crc-32")
    return {
        "crc32": f"{crc32(text.encode()):08x}",
        "width": cwcwidth.wcswidth(text),
        # crcmod.crcmod uses its C extension, crcmod._crcfunext, when it imports.
        "crcmod_native": sys.modules["crcmod.crcmod"]._usingExtension,
    }
