"""Contact points written as text: `COODIE_HOSTS`, `--hosts`, `COODIE_TEST_HOSTS`."""

from __future__ import annotations

from coodie.exceptions import ConfigurationError

__all__ = ["parse_hosts"]


def parse_hosts(text: str, port: int) -> tuple[list[str], int]:
    """Split `host[:port],...` into hosts and the port. A host is a name, an IPv4 address,
    an IPv6 address (bare, `::1`, or bracketed with a port, `[::1]:9042`). One port serves
    every host (both drivers take one): two different ports are refused."""
    hosts: list[str] = []
    ports: set[int] = set()
    for item in (i.strip() for i in text.split(",")):
        if not item:
            continue
        host, given = _split(item)
        if not host:
            raise ConfigurationError(f"hosts: {item!r} names no host")
        hosts.append(host)
        if given is not None:
            ports.add(given)
    if not hosts:
        raise ConfigurationError(f"hosts: {text!r} names no host")
    if len(ports) > 1:
        raise ConfigurationError(
            f"hosts: {text!r} gives ports {sorted(ports)}; the drivers use one port for all hosts"
        )
    return hosts, ports.pop() if ports else port


def _split(item: str) -> tuple[str, int | None]:
    if item.startswith("["):
        host, bracket, rest = item[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ConfigurationError(f"hosts: {item!r}: write an IPv6 address as [addr]:port")
        return host, _port(item, rest[1:]) if rest else None
    if item.count(":") > 1:  # a bare IPv6 address: no port
        return item, None
    host, sep, p = item.partition(":")
    return host, _port(item, p) if sep else None


def _port(item: str, text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ConfigurationError(f"hosts: {item!r}: the port must be a number from 1 to 65535")
    return int(text)
