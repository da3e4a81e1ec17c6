"""Validation on a Dask cluster: a corpus that outgrows one machine.

The unit of work is a chunk of file paths, not a file: a task costs the scheduler about a
millisecond, a small TEI file costs a worker about as much, so one task per file would spend
half the cluster on bookkeeping. Chunks are small enough (at most :data:`MAX_CHUNK` files)
that progress moves, a lost worker costs little, and no worker holds more than the
documents of the chunk it is working on (each is parsed, validated and dropped in turn);
they shrink towards the end of a run, so the workers finish together (:func:`_chunks`).

What travels: paths and :class:`~teikit.validation.batch.Options` go out, a chunk's
:class:`~teikit.diagnostics.Report` objects come back as one pickle, and the client
puts them in the order the files were given as they stream in. Documents do not travel:
workers read them from the same paths (a shared file system, as on an HPC cluster or a
Kubernetes volume).
Schemas travel by hash: the client's stored schemas (``tei_all`` and the others in the
schema store) are registered once as a worker plugin, so every worker, including one that
joins later, gets each of them once through the scheduler and keeps it in its own store,
unless its store already has those bytes (a shared store path, or a local cluster, where
nothing is copied). Each worker process compiles each schema once and reuses it for every
chunk it is given (the engines' per-process caches), and warms its engines on the run's
warm-up sample before its first chunk. A local cluster's workers are threads of the
client, each driving a validating process forked from the client once it has warmed its
engines (:func:`connect`), so they start warm, as ``--jobs`` workers do.

A chunk that fails on its worker (the worker was killed, ran out of memory, raised) becomes
one located ``run:worker-failed`` diagnostic per file of that chunk, an input error (exit
2) like any file teikit could not validate; the rest of the run goes on.
"""

from __future__ import annotations

import os
import pickle
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from teikit.diagnostics import Report, TeikitError, UsageError, error
from teikit.locations import display_path
from teikit.validation import batch, isolated, shipment
from teikit.validation.batch import Options, ProgressCallback
from teikit.validation.workers import VALIDATING, Bounds, Work

__all__ = ["INSTALL_HINT", "map_paths", "run"]

T = TypeVar("T")
R = TypeVar("R")

#: What to tell someone who asks for ``--dask`` without the extra installed.
INSTALL_HINT = "pip install 'teikit[dask]'"
#: Each chunk is at most this share of the files left per worker (see :func:`_chunks`).
CHUNKS_PER_WORKER = 2
#: The smallest chunk, at the end of a run (fewer files than this only in the last one).
MIN_CHUNK = 8
#: The largest chunk, so progress moves and a failed worker costs at most this many files.
MAX_CHUNK = 512
#: How long to wait for a remote scheduler before saying it cannot be reached.
CONNECT_TIMEOUT = "20s"


def _distributed() -> Any:
    """The ``distributed`` package, or a usage error that says how to install it."""
    try:
        import distributed
    except ImportError:
        raise UsageError(
            f"--dask needs Dask's distributed scheduler, which is not "
            f"installed; install it with: {INSTALL_HINT}"
        ) from None
    return distributed


#: Dask's own bookkeeping that a local run of short tasks does not need, turned down: the
#: statistical profiler samples the worker threads every 10 ms (and takes the GIL to do
#: so), every server checks its event loop every 20 ms, the system monitor polls psutil,
#: work stealing looks for imbalance every second. Together about a tenth of a core per
#: worker, on the cores the run has.
QUIET = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.scheduler.work-stealing": False,
}


@contextmanager
def connect(address: str, workers: int) -> Iterator[Any]:
    """A Dask client: a new local cluster of ``workers`` for ``local``, else the
    scheduler at ``address`` (``tcp://host:8786``). Closed (and a local cluster stopped)
    on leaving, whatever happened.

    A local cluster's workers are threads of this process (``processes=False``), each
    of which hands its chunks to a validating process of its own
    (:func:`teikit.validation.isolated.held_to`), forked from this process once it has
    warmed its engines: the run's processes are this one and the validating ones, as
    with ``--jobs``. Worker processes would each stand between the two, receiving every
    report to send it on, and start slower."""
    distributed = _distributed()
    cluster = None
    try:
        if address == "local":
            import logging

            import dask

            with dask.config.set(QUIET):
                cluster = distributed.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=False,
                    # No Dask memory limit: its workers being this process's threads, it
                    # would watch (and pause them at 80% of a share of the machine for)
                    # the client's own memory; each validating process is held to the
                    # run's memory limit instead.
                    memory_limit=0,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                    # The scheduler's HTTP server (health, metrics) on a free local port,
                    # not on 8787 with a warning when another cluster has it.
                    scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                )
            client = distributed.Client(cluster)
        else:
            client = distributed.Client(address, timeout=CONNECT_TIMEOUT)
    except OSError as exc:
        if cluster is not None:
            cluster.close()
        raise TeikitError(
            f"Cannot reach the Dask scheduler at {address}: {exc}; check the "
            "address (tcp://HOST:8786) and that the scheduler runs."
        ) from None
    try:
        yield client
    except BaseException:
        if cluster is not None:  # interrupted, or teikit cannot run: do not wait
            for worker in list(cluster.workers.values()):  # for the running chunks
                cluster.sync(worker.close, executor_wait=False)
        raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


_warmed = False


def validate_chunk(
    paths: list[str], options: Options, cwd: str, sample: list[str], in_client: bool = False
) -> bytes | list[Report]:
    """Validate one chunk on a worker; one report per path, in order, pickled (see
    :func:`_packed`) unless ``in_client``.

    Reports name files relative to the client's working folder, as a run on one machine
    does, so the worker works from there when it has that folder. With a deadline
    (``options.timeout``) or a memory limit each document is validated in a process of
    this worker's own that is stopped when it overruns, as ``--jobs`` does
    (:func:`_under_deadline`); ``in_client`` (a local cluster's worker, a thread of the
    client, warm already) always so. Whichever process validates warms its engines
    first on ``sample``, the run's warm-up sample (:func:`teikit.validation.batch.sample`).
    """
    global _warmed
    if os.path.isdir(cwd) and os.getcwd() != cwd:
        os.chdir(cwd)
    files = [Path(p) for p in paths]
    if in_client:  # a thread of the client: the reports need not travel
        return _under_deadline(files, options, sample)
    if not _warmed:
        _warmed = True
        batch.announce(sample, options)
    if options.timeout is not None or options.memory_limit is not None:
        return _packed(_under_deadline(files, options, sample))
    with batch.gathered(options):
        return _packed([batch.validate_path(path, options) for path in files])


def _packed(results: list[Any]) -> bytes:
    """A chunk's results as one pickle: Dask sends bytes as they are, where a list of
    objects goes through its own serialisation, which costs more than the pickle
    itself (it looks for the list's module among every module loaded, each time)."""
    return pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)


def _unpacked(result: bytes | list[Any]) -> list[Any]:
    """A chunk's results as the client gets them: pickled by a worker process, as
    they are from a worker thread of the client's own."""
    return pickle.loads(result) if isinstance(result, bytes) else result


def _under_deadline(files: list[Path], options: Options, sample: list[str]) -> list[Report]:
    """``files`` validated by a process of this worker's own
    (:func:`teikit.validation.isolated.held_to`), which warms its engines on the run's
    ``sample`` first (unless it is forked from this warm one)."""
    return isolated.held_to(
        batch.validate_path,
        files,
        options,
        Bounds(options.timeout, options.memory_limit),
        warm=(batch.announce, sample),
    )


def _failed(path: Path, exc: BaseException, work: Work = VALIDATING) -> Report:
    """A file whose chunk failed on its worker: said, located, and an input error."""
    shown = display_path(str(path))
    reason = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    return Report(
        diagnostics=[
            error(
                "run:worker-failed",
                f"The Dask worker {work.doing} this file failed ({reason}); it "
                f"was not {work.done}. Run again (a worker that ran out of memory needs "
                f"more), or {work.verb} it alone with --jobs 1 to see whether the file "
                "itself is the cause.",
                file=shown,
            )
        ],
        files=[shown],
        input_error=True,
    )


def apply_chunk(
    fn: Callable[[Path, T], R],
    paths: list[str],
    arg: T,
    cwd: str,
    bounds: Bounds,
    in_client: bool = False,
) -> bytes | list[R | Report]:
    """``fn(path, arg)`` for each path of a chunk, on a worker, from the client's folder,
    each in a process of the worker's own held to ``bounds`` when they bound anything
    or the worker is ``in_client`` (see :func:`validate_chunk`; then not pickled)."""
    if os.path.isdir(cwd) and os.getcwd() != cwd:
        os.chdir(cwd)
    files = [Path(p) for p in paths]
    if in_client:
        return isolated.held_to(fn, files, arg, bounds)
    if not bounds.bounded:
        return _packed([fn(f, arg) for f in files])
    return _packed(isolated.held_to(fn, files, arg, bounds))


def map_paths(
    fn: Callable[[Path, T], R],
    paths: list[str],
    arg: T,
    address: str,
    *,
    on_file: ProgressCallback | None = None,
    workers: int | None = None,
    bounds: Bounds | None = None,
) -> Iterator[R | Report]:
    """``fn(path, arg)`` for every path on the Dask cluster at ``address``, yielded in
    ``paths`` order as chunks finish (a chunk's result waits only for the chunks before
    it). ``fn`` must be a module-level function. Each document is held to ``bounds``
    (see :func:`apply_chunk`); one that does not finish, and each of a chunk whose Dask
    worker failed, is a :class:`Report` with one located error instead of ``fn``'s
    result."""
    bounds = bounds or Bounds()
    if not paths:
        return
    local = address == "local"
    with isolated.closing_pools(local), connect(address, workers or os.cpu_count() or 1) as client:
        distributed = _distributed()
        width = max(1, len(client.scheduler_info().get("workers", {})))
        run_id = uuid.uuid4().hex[:8]
        chunks = _chunks(len(paths), width)
        futures = [
            client.submit(
                apply_chunk,
                fn,
                [paths[i] for i in chunk],
                arg,
                os.getcwd(),
                bounds,
                local,
                key=f"teikit-{run_id}-{n}",
                pure=False,
            )
            for n, chunk in enumerate(chunks)
        ]
        ready: dict[int, list[R | Report]] = {}
        order = {future.key: n for n, future in enumerate(futures)}
        following = 0
        done = 0
        for future in distributed.as_completed(futures):
            chunk = chunks[order[future.key]]
            try:
                ready[order[future.key]] = _unpacked(future.result())
            except TeikitError:
                client.cancel(futures)
                raise  # teikit cannot run at all: as with --jobs
            except Exception as exc:  # noqa: BLE001 - any worker failure is the chunk's
                ready[order[future.key]] = [
                    _failed(Path(paths[i]), exc, bounds.work) for i in chunk
                ]
            future.release()
            done += len(chunk)
            if on_file:
                on_file(done, len(paths))
            while following in ready:
                yield from ready.pop(following)
                following += 1


def _chunks(count: int, workers: int) -> list[list[int]]:
    """The run's indexes in chunks that shrink as the run goes: each at most
    1/:data:`CHUNKS_PER_WORKER` of the files left per worker (and :data:`MAX_CHUNK`),
    at least :data:`MIN_CHUNK`.

    Why shrinking: the scheduler hands chunks out in this order, so large ones come
    first (few tasks, little bookkeeping) and the last are small, so no worker idles
    long while another finishes a large one; chunks of one size left a worker waiting
    for up to a whole chunk's time at the end of every run."""
    chunks = []
    start = 0
    while start < count:
        left = count - start
        share = -(-left // (workers * CHUNKS_PER_WORKER))
        size = min(left, max(MIN_CHUNK, min(MAX_CHUNK, share)))
        chunks.append(list(range(start, start + size)))
        start += size
    return chunks


def run(
    files: list[Path],
    options: Options,
    address: str,
    *,
    on_file: ProgressCallback | None = None,
    workers: int | None = None,
    on_report: Callable[[int, Report], None] | None = None,
) -> list[Report]:
    """Validate ``files`` on the Dask cluster at ``address`` (``local``: a new local
    cluster of ``workers`` processes); one report per file, in ``files`` order (with
    ``on_report``: handed to it as chunks finish, not kept; see
    :func:`teikit.validation.batch.run`)."""
    if not files:
        return []
    results: list[Report | None] = [None] * len(files)
    sample = batch.sample(files)
    local = address == "local"
    if local:  # warm here once: the validating processes fork from this one
        batch.announce(sample, options)
    with isolated.closing_pools(local), connect(address, workers or os.cpu_count() or 1) as client:
        distributed = _distributed()
        shared: object = sample
        if not local:
            client.register_plugin(shipment.plugin(shipment.stored()), name="teikit-schemas")
            [shared] = client.scatter([sample], broadcast=True)
        width = max(1, len(client.scheduler_info().get("workers", {})))
        run_id = uuid.uuid4().hex[:8]
        cwd = os.getcwd()
        futures = {
            client.submit(
                validate_chunk,
                [str(files[i]) for i in chunk],
                options,
                cwd,
                shared,
                local,
                key=f"teikit-{run_id}-{n}",
                pure=False,
            ): chunk
            for n, chunk in enumerate(_chunks(len(files), width))
        }
        done = 0
        for future in distributed.as_completed(futures):
            chunk = futures.pop(future)
            try:
                found = _unpacked(future.result())
            except TeikitError:
                client.cancel(list(futures))
                raise  # teikit cannot run at all (a broken store): as with --jobs
            except Exception as exc:  # noqa: BLE001 - any worker failure is the chunk's
                found = [_failed(files[i], exc) for i in chunk]
            for i, report in zip(chunk, found, strict=True):
                if on_report is not None:
                    on_report(i, report)
                else:
                    results[i] = report
            future.release()
            done += len(chunk)
            if on_file:
                on_file(done, len(files))
    return [r for r in results if r is not None]
