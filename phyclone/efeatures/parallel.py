"""Map functions for ``map_function``: joblib processes on this machine, or the workers
of a dask.distributed cluster. Results come back in input order, identical to ``map``."""


def joblib_map(n_jobs=-1, backend="loky", progress=None):
    """A map over ``n_jobs`` joblib workers (``progress``: a tqdm-like bar to update)."""
    def _map(function, iterable):
        from joblib import Parallel, delayed
        items = list(iterable)
        parallel = Parallel(n_jobs=n_jobs, backend=backend, return_as="generator")
        out = []
        for result in parallel(delayed(function)(x) for x in items):
            out.append(result)
            if progress is not None:
                progress.update(1)
        return out
    return _map


def dask_map(client, progress=None):
    """A map submitting each item to a ``dask.distributed.Client``'s workers."""
    def _map(function, iterable):
        from distributed import as_completed
        futures = client.map(function, list(iterable), pure=False)
        if progress is not None:
            for _ in as_completed(futures):
                progress.update(1)
        return client.gather(futures)
    return _map


def serial_map(progress=None):
    """The built-in map, with a progress bar."""
    def _map(function, iterable):
        out = []
        for x in iterable:
            out.append(function(x))
            if progress is not None:
                progress.update(1)
        return out
    return _map
