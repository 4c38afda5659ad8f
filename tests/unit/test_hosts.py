"""Contact points written as text (COODIE_HOSTS, --hosts, COODIE_TEST_HOSTS)."""

from __future__ import annotations

import pytest

from coodie.cli import main
from coodie.exceptions import ConfigurationError
from coodie.hosts import parse_hosts


@pytest.mark.parametrize(
    ("text", "hosts", "port"),
    [
        ("127.0.0.1", ["127.0.0.1"], 9042),
        ("db1, db2:9142", ["db1", "db2"], 9142),
        ("127.0.0.11:9043,127.0.0.12:9043", ["127.0.0.11", "127.0.0.12"], 9043),
        ("::1", ["::1"], 9042),
        ("fe80::1,::1", ["fe80::1", "::1"], 9042),
        ("[::1]:9142", ["::1"], 9142),
        ("[::1]", ["::1"], 9042),
        ("[::1]:9142,127.0.0.1", ["::1", "127.0.0.1"], 9142),
    ],
)
def test_hosts_and_port(text: str, hosts: list[str], port: int) -> None:
    assert parse_hosts(text, 9042) == (hosts, port)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "names no host"),
        (" , ", "names no host"),
        ("db1:9042,db2:9043", "one port for all hosts"),
        ("db1:http", "port must be a number"),
        ("db1:70000", "port must be a number"),
        ("[::1", "[addr]:port"),
        ("[::1]9042", "[addr]:port"),
        (":9042", "names no host"),
    ],
)
def test_bad_hosts_are_refused_by_name(text: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_hosts(text, 9042)


def test_the_cli_says_what_is_wrong_with_hosts(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["migrate", "status", "--hosts", "db1:9042,db2:9043", "--keyspace", "ks"]
    assert main(argv) == 1
    assert "one port for all hosts" in capsys.readouterr().err
