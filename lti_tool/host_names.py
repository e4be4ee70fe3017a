"""Host names and lists of them in settings: loopback, allowed hosts, trusted LMS hosts."""

from __future__ import annotations

import ipaddress


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_outbound_allowed_hosts(
    value: str,
) -> tuple[frozenset[str], tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]]:
    """``outbound_allowed_hosts`` as host names (lower case) and networks; a ValueError
    names the first entry that is neither."""
    hosts, networks = set(), []
    for entry in filter(None, (e.strip() for e in value.split(","))):
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            name = entry.rstrip(".").lower()
            if not is_host_name(name):
                raise ValueError(entry) from None
            hosts.add(name)
    return frozenset(hosts), tuple(networks)


def is_host_name(name: str) -> bool:
    return len(name) <= 253 and all(
        0 < len(x) <= 63 and x.isascii() and x.replace("-", "").replace("_", "").isalnum()
        for x in name.split(".")
    )


def parse_auto_approve_hosts(value: str) -> tuple[str, ...]:
    """``dynamic_registration_auto_approve`` as lower-case host names, ``*.example.edu``
    standing for the subdomains of example.edu; a ValueError names the first entry that is
    neither."""
    patterns = []
    for entry in filter(None, (e.strip() for e in value.split(","))):
        name = entry.rstrip(".").lower()
        if not is_host_name(name.removeprefix("*.")):
            raise ValueError(entry)
        patterns.append(name)
    return tuple(patterns)
