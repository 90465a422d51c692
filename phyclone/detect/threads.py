"""Work shared among threads (the numba kernels release the GIL)."""

from concurrent.futures import ThreadPoolExecutor


def thread_map(fn, items, jobs=1):
    """``[fn(item) for item in items]``, in ``jobs`` threads (in this thread when ``jobs``
    is 1 or there is a single item)."""
    items = list(items)
    if jobs <= 1 or len(items) <= 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(min(jobs, len(items))) as ex:
        return list(ex.map(fn, items))
