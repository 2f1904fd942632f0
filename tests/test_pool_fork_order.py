"""A process whose SPARQL pool is live forks children that start their own query zygote at
once (``QueryPool._after_fork_in_child``); that nested fork must not wait on a lock another
library's fork hook holds, whatever that library was imported after kgpub."""

from __future__ import annotations

import subprocess
import sys
import textwrap

CHILD = textwrap.dedent(
    """
    import os, time
    import pyoxigraph
    from kgpub.sparql.pool import QueryPool
    import concurrent.futures.thread  # imported after the pool module, as a library may be

    pool = QueryPool(pyoxigraph.Store(), size=1)
    pool.start(prefork=False)
    pid = os.fork()
    if pid == 0:
        os._exit(0 if pool._zygote_pid not in (0, None) else 3)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            pool.close()
            raise SystemExit(os.waitstatus_to_exitcode(status))
        time.sleep(0.05)
    os.kill(pid, 9)
    raise SystemExit("the forked child hung starting its query zygote")
    """
)


def test_a_forked_child_starts_its_zygote_whatever_was_imported_after_the_pool() -> None:
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
