"""Garbage collection for web workers: off the path of the request.

Each request leaves reference cycles behind (query sets and their queries, model states, form
widgets). CPython frees them only in a full collection, which walks every tracked object of the
process: about 115,000 once Django has loaded, so each full collection took 80-140 ms and landed
on whichever request happened to trigger it, every tenth request or so. That made the API list's
95th percentile 3-6 times its median (bench/http_latency.py measures it).

A worker therefore freezes what it loaded at start (`gc.freeze`: those objects are never walked
again), lets the automatic collector run only as a safety net for a request that allocates very
much, and collects after each response has been written (gunicorn's `post_request` hook, in
`gunicorn.conf.py`): a few milliseconds, with only that request's garbage to walk.
"""

import gc

# Allocations before the automatic collector steps in during a request: high enough that an
# ordinary request never triggers it, low enough to bound the memory of one that allocates a lot.
REQUEST_GEN0_THRESHOLD = 200_000


def worker_started() -> None:
    """Call once the application is loaded in a worker process."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(REQUEST_GEN0_THRESHOLD, 10, 10)


def request_finished() -> None:
    """Call after a response has been sent: free the request's garbage."""
    gc.collect()
