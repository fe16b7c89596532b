"""The trusted client's handling of its fork server: cached inputs, a dead server, a result
that arrives on time, and per-case timing."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from questionbank.sandbox import Job, SandboxServer, codec

IDENTITY = b"def f(x):\n    return x\n"


def _job(source: bytes = IDENTITY, **extra: object) -> Job:
    args = (codec.encode({"x": np.arange(4.0)}), codec.encode({"x": np.ones((2, 2))}))
    return Job("f", source, args, (1.0, 1.0), load_timeout=2.0, **extra)  # type: ignore[arg-type]


def test_cached_inputs_are_resent_when_the_server_lacks_them() -> None:
    with SandboxServer(slot=21) as server:
        first = server.run(_job(args_key="k@1"))
        assert [o.status for o in first.outcomes] == ["ok", "ok"]
        server.cached_args.add("k@2")  # the client believes the server has it; it does not
        second = server.run(_job(args_key="k@2"))
        assert [o.status for o in second.outcomes] == ["ok", "ok"]
        decoded = codec.decode(second.outcomes[1].payload)
        assert isinstance(decoded, codec.Array) and decoded.data.shape == (2, 2)


def test_a_killed_server_fails_its_job_and_is_replaced() -> None:
    sleeper = b"import time\n\ndef f(x):\n    time.sleep(0.8)\n    return x\n"
    with SandboxServer(slot=22) as server:
        assert server.process is not None
        victim = server.process

        def kill_soon() -> None:
            time.sleep(0.3)
            victim.kill()

        threading.Thread(target=kill_soon).start()
        failed = server.run(_job(sleeper))
        assert [o.status for o in failed.outcomes] == ["sandbox_error", "sandbox_error"]
        again = server.run(_job())
        assert [o.status for o in again.outcomes] == ["ok", "ok"]


def test_each_case_gets_its_own_deadline_and_the_rest_still_run() -> None:
    source = (
        b"import time\n\ndef f(x):\n    if x.shape == (4,):\n        time.sleep(5)\n    return x\n"
    )
    with SandboxServer(slot=23) as server:
        started = time.monotonic()
        result = server.run(_job(source))
        elapsed = time.monotonic() - started
    assert [o.status for o in result.outcomes] == ["timeout", "ok"]
    assert result.outcomes[0].detail == "timed out after 1 s"
    assert elapsed < 3.0


def test_one_job_in_flight_at_a_time() -> None:
    with SandboxServer(slot=24) as server:
        server.submit(_job())
        with pytest.raises(RuntimeError, match="collect"):
            server.submit(_job())
        first = server.collect()
        with pytest.raises(RuntimeError, match="no job in flight"):
            server.collect()
        assert [o.status for o in first.outcomes] == ["ok", "ok"]
        again = server.run(_job())
    assert [o.payload for o in again.outcomes] == [o.payload for o in first.outcomes]


def test_arguments_that_cannot_be_decoded_fail_their_case_only() -> None:
    args = (b"not an encoded value", codec.encode({"x": np.ones(3)}))
    with SandboxServer(slot=24) as server:
        result = server.run(Job("f", IDENTITY, args, (1.0, 1.0), load_timeout=2.0))
    assert [o.status for o in result.outcomes] == ["raised", "ok"]
