"""pypiserver over https, for tests: `tools/dev/pypiserver.sh --tls ...` runs this.

Serves the pypiserver app (PEP 503 `/simple/`, files under `/packages/`,
basic auth from an htpasswd file) with a TLS certificate, on one host and
port, one thread per connection. `--links-page NAME` also serves `/NAME`, a
single page linking every file (a "find-links" page, what Poetry calls a
single-page source), behind the same authentication.
"""

import argparse
import base64
import hashlib
import html
import pathlib
import socketserver
import ssl
import sys
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pypiserver
from passlib.apache import HtpasswdFile


class _Handler(WSGIRequestHandler):
    def get_environ(self):
        environ = super().get_environ()
        environ["HTTPS"] = "on"
        environ["wsgi.url_scheme"] = "https"
        return environ

    def log_message(self, format, *args):
        sys.stderr.write("pypiserver-tls: " + (format % args) + "\n")


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


def _links_app(app, page, root, htpasswd):
    """Wraps `app`: GET /<page> is an HTML page linking every file of `root`."""
    passwords = HtpasswdFile(htpasswd)

    def authorized(environ):
        header = environ.get("HTTP_AUTHORIZATION", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return bool(passwords.check_password(user, password))

    def wrapped(environ, start_response):
        if environ.get("PATH_INFO") != "/" + page:
            return app(environ, start_response)
        if not authorized(environ):
            start_response("401 Unauthorized", [("WWW-Authenticate", 'Basic realm="pypi"')])
            return [b"Unauthorized"]
        links = "".join(
            f'<a href="packages/{html.escape(p.name)}#sha256={hashlib.sha256(p.read_bytes()).hexdigest()}">{html.escape(p.name)}</a><br>\n'
            for p in sorted(pathlib.Path(root).iterdir())
            if p.is_file()
        )
        body = f"<!DOCTYPE html><html><body>\n{links}</body></html>\n".encode()
        start_response(
            "200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(body)))]
        )
        return [body]

    return wrapped


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cert", required=True, help="the server certificate chain (PEM)")
    parser.add_argument("--key", required=True, help="its private key (PEM)")
    parser.add_argument("--htpasswd", required=True)
    parser.add_argument(
        "--links-page", help="also serve this single page of links, e.g. links.html"
    )
    parser.add_argument("root", help="the directory of distribution files")
    args = parser.parse_args()

    app = pypiserver.app(
        roots=[pathlib.Path(args.root).resolve()],
        password_file=args.htpasswd,
        authenticate=["download", "list", "update"],
    )
    if args.links_page:
        app = _links_app(app, args.links_page, args.root, args.htpasswd)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    server = make_server(args.host, args.port, app, server_class=_Server, handler_class=_Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
