"""Garbage collection for web workers: off the path of the request.

Each request leaves reference cycles behind (query sets and their queries, model states, form
widgets). CPython frees them only when it collects the generation they reached; a full
collection walks every tracked object of the process, about 115,000 once Django has loaded, and
took 80-140 ms, landing on whichever request happened to trigger it, every tenth request or so.
That made the API list's 95th percentile 3-6 times its median (bench/http_latency.py).

So a worker:
- freezes what it has loaded (`gc.freeze`: never walked again) at start and after each of its
  first requests, which load the URLs, views and templates;
- lets the automatic collector run only as a safety net for a request that allocates very much;
- after each response has been written (gunicorn's `post_request` hook, in `gunicorn.conf.py`)
  collects the two young generations: the request's garbage, and the previous request's objects
  that the hook itself still held (its request and response) and so outlived the last collection;
  every `FULL_EVERY` requests it collects everything, little by then.
"""

import gc

# Allocations before the automatic collector steps in during a request: high enough that an
# ordinary request never triggers it, low enough to bound the memory of one that allocates a lot.
REQUEST_GEN0_THRESHOLD = 200_000
# Requests after which what is still alive counts as loaded for good, and frozen.
WARM_UP_REQUESTS = 5
# A full collection after this many requests frees what outlived the young collections (garbage
# of requests that overlapped on threads).
FULL_EVERY = 1000

_served = 0


def worker_started() -> None:
    """Call once the application is loaded in a worker process."""
    global _served
    _served = 0
    gc.collect()
    gc.freeze()
    gc.set_threshold(REQUEST_GEN0_THRESHOLD, 10, 10)


def request_finished() -> None:
    """Call after a response has been sent: free the request's garbage."""
    global _served
    _served += 1
    if _served <= WARM_UP_REQUESTS:
        gc.collect()
        gc.freeze()
    elif _served % FULL_EVERY == 0:
        gc.collect()
    else:
        gc.collect(1)
