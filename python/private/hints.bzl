"""`did you mean` targets for names a hub does not have but users are likely to write.

Bazel itself answers a close misspelling (`@poetry//:numpi`: "did you mean
numpy?", by edit distance over the hub's targets). It cannot know that
`yaml` is the import name of `pyyaml` or that `dateutil` means
`python-dateutil`, and no hub can catch arbitrary names. For those likely
names the hub declares a `did_you_mean` target that fails at analysis with the
right label. They are tagged `manual`, so `@poetry//:all` skips them.
"""

# Import names (and other common names) whose distribution is called otherwise.
# A hint is made only when the distribution is in the lock.
IMPORT_NAMES = {
    "Crypto": ["pycryptodome", "pycrypto"],
    "MySQLdb": ["mysqlclient"],
    "OpenSSL": ["pyopenssl"],
    "PIL": ["pillow"],
    "attr": ["attrs"],
    "bs4": ["beautifulsoup4"],
    "cv2": ["opencv-python", "opencv-python-headless", "opencv-contrib-python", "opencv-contrib-python-headless"],
    "dateutil": ["python-dateutil"],
    "docx": ["python-docx"],
    "dotenv": ["python-dotenv"],
    "fitz": ["pymupdf"],
    "git": ["gitpython"],
    "jose": ["python-jose"],
    "jwt": ["pyjwt"],
    "magic": ["python-magic"],
    "multipart": ["python-multipart"],
    "pkg_resources": ["setuptools"],
    "serial": ["pyserial"],
    "skimage": ["scikit-image"],
    "sklearn": ["scikit-learn"],
    "socks": ["pysocks"],
    "win32api": ["pywin32"],
    "yaml": ["pyyaml"],
    "zmq": ["pyzmq"],
}

_PREFIXES = ["python-", "py-"]
_SUFFIXES = ["-python", "-py"]

def hint_names(packages, taken):
    """Likely wrong names for a hub's packages, each with the packages it may mean.

    Args:
      packages: the normalized names of the hub's locked packages.
      taken: every target name the hub already declares (never shadowed).

    Returns:
      `{name: [package, ...]}`, sorted by name.
    """
    locked = {p: True for p in packages}
    hints = {}

    def add(name, package):
        if name and name not in taken and name not in locked:
            hints.setdefault(name, [])
            if package not in hints[name]:
                hints[name].append(package)

    for package in sorted(locked):
        for prefix in _PREFIXES:
            if package.startswith(prefix):
                add(package[len(prefix):], package)
        for suffix in _SUFFIXES:
            if package.endswith(suffix):
                add(package[:-len(suffix)], package)
    for name, candidates in IMPORT_NAMES.items():
        for package in candidates:
            if package in locked:
                add(name, package)
                if name.lower() != name:
                    add(name.lower(), package)
    return {name: hints[name] for name in sorted(hints)}

def declared_names(build_file_content):
    """The `name = "..."` values of a BUILD file as `ofiuco lock` writes it (one target per call).

    Args:
      build_file_content: the hub's BUILD text.

    Returns:
      A dict of the names (as keys).
    """
    names = {}
    for chunk in build_file_content.split('name = "')[1:]:
        names[chunk.partition('"')[0]] = True
    return names

def hints_build_text(hub, hints):
    """The hub's `did_you_mean` targets, as BUILD text to append.

    Args:
      hub: the hub's apparent name, for the messages.
      hints: what `hint_names` returned.

    Returns:
      The text (empty without hints). The names only come from the lock's
      validated package names and from `IMPORT_NAMES`, and `json.encode`
      quotes them.
    """
    if not hints:
        return ""
    lines = ["", "# Names this hub does not have but users are likely to write: each fails, naming the right label."]
    for name, packages in hints.items():
        lines.append("did_you_mean(name = {}, hub = {}, packages = {}, tags = [\"manual\"])".format(
            json.encode(name),
            json.encode(hub),
            json.encode(packages),
        ))
    return "\n".join(lines) + "\n"
