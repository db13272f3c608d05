"""The address a request comes from, as the sign-in throttling (django-axes) counts failures by it.

Behind reverse proxies the connection's address is the nearest proxy's, and the client's is in
X-Forwarded-For. But any client can send that header with any address in it, so it is read only when
``TRUSTED_PROXY_COUNT`` says how many proxies of ours stand in front, and then only the entry the
outermost of them appended: everything to its left came from the client and proves nothing.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        # Not through all our proxies (or a proxy that does not set the header): the connection's address.
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-proxies]))
    except ValueError:
        return remote
