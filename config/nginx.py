"""nginx's site for this app: config/nginx.conf.template with its ${NAME} placeholders filled.

    python -m config.nginx > /etc/nginx/sites-available/lapor

takes the values from the environment, the app's own (STATIC_ROOT, MEDIA_ROOT, MEDIA_ACCEL_REDIRECT) among them,
so nginx serves the folders the app writes. Only upper-case names in braces are ours: nginx's own variables
($host, $uri) stay as they are, which string.Template would not allow.
"""

import os
import re
import sys
from pathlib import Path

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
PLACEHOLDER = re.compile(r"\$\{([A-Z_]+)\}")


def defaults(values):
    """Standard ports, certbot's folders for SERVER_NAME, and the access log beside Debian's own."""
    name = values.get("SERVER_NAME", "")
    return {
        "HTTP_LISTEN": "80", "HTTPS_LISTEN": "443", "ACME_ROOT": "/var/www/letsencrypt",
        "TLS_CERT": f"/etc/letsencrypt/live/{name}/fullchain.pem",
        "TLS_KEY": f"/etc/letsencrypt/live/{name}/privkey.pem",
        "ACCESS_LOG": "/var/log/nginx/lapor.access.log",
    }


def render(values):
    """The site with every placeholder replaced; KeyError names the first one `values` lacks."""
    values = {**defaults(values), **values}
    servers = values["UPSTREAM"].split(",")  # one app server, or several
    values["UPSTREAM_SERVERS"] = "\n    ".join(f"server {address.strip()};" for address in servers)
    return PLACEHOLDER.sub(lambda match: values[match[1]], TEMPLATE.read_text())


if __name__ == "__main__":
    try:
        sys.stdout.write(render(dict(os.environ)))
    except KeyError as missing:
        sys.exit(f"Set {missing.args[0]} in the environment (docs/production.md, \"nginx\").")
