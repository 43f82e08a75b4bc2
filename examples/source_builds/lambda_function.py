"""A Lambda handler using two packages that ofiuco built from their sdists."""

import crcmod
import crcmod.predefined
import cwcwidth


def handler(event, _context):
    text = event.get("text", "")
    crc32 = crcmod.predefined.mkCrcFun("crc-32")
    return {
        "crc32": "%08x" % crc32(text.encode()),
        "width": cwcwidth.wcswidth(text),
        "crcmod_native": crcmod._usingExtension,
    }
