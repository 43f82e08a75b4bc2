"""A local package that ofiuco builds from its directory."""

MESSAGE = "built from the directory"


def shout(text: str) -> str:
    return text.upper() + "!"
