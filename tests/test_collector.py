"""When memory is reclaimed (teikit.collector): a document kept to the end of a block,
one at most, and nothing kept outside one; the cyclic collector as it was after a
paused block."""

from __future__ import annotations

import gc
import weakref

from teikit.collector import collector_paused, free_kept, free_later, freeing_later


class _Tree:
    """Something weakly referenceable standing for a parsed document."""


def test_a_document_is_kept_to_the_end_of_the_block_and_only_the_last_one() -> None:
    first, second = _Tree(), _Tree()
    gone_first, gone_second = weakref.ref(first), weakref.ref(second)
    with freeing_later():
        free_later(first)
        del first
        assert gone_first() is not None  # kept though no one else holds it
        free_later(second)
        del second
        assert gone_first() is None  # one at most: the earlier one went
        assert gone_second() is not None
    assert gone_second() is None  # the block ended: freed


def test_what_is_kept_can_be_freed_before_the_block_ends() -> None:
    thing = _Tree()
    gone = weakref.ref(thing)
    with freeing_later():
        free_later(thing)
        del thing
        free_kept()  # the worker's, before it reads its next file
        assert gone() is None


def test_nothing_is_kept_outside_a_block() -> None:
    thing = _Tree()
    gone = weakref.ref(thing)
    free_later(thing)
    del thing
    assert gone() is None


def test_the_collector_is_as_it_was_after_a_paused_block() -> None:
    was = gc.isenabled()
    try:
        gc.enable()
        with collector_paused():
            assert not gc.isenabled()
        assert gc.isenabled()
        gc.disable()
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()
