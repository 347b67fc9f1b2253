"""The frame engine's one LRU map: what it keeps, in which order it forgets, and what it hands
back for its owner to close."""

from __future__ import annotations

from cos_snapshot.emulator.frames.lru import Lru


def test_a_count_budget_forgets_the_least_recently_used_and_hands_it_back() -> None:
    lru: Lru[str, int] = Lru(2)
    assert lru.put("a", 1) == []
    assert lru.put("b", 2) == []
    assert lru.get("a") == 1  # "b" is now the least recently used
    assert lru.put("c", 3) == [2]
    assert list(lru) == ["a", "c"]


def test_peek_does_not_count_as_a_use() -> None:
    lru: Lru[str, int] = Lru(2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.peek("a") == 1
    assert lru.put("c", 3) == [1]
    assert lru.peek("a") is None


def test_putting_a_key_again_replaces_and_refreshes_it() -> None:
    lru: Lru[str, int] = Lru(2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.put("a", 10) == [1]
    assert lru.items() == [("b", 2), ("a", 10)]


def test_a_weighed_budget_and_a_value_heavier_than_all_of_it() -> None:
    lru: Lru[str, bytes] = Lru(10, len)
    lru.put("a", b"12345")
    lru.put("b", b"1234")
    assert lru.put("big", b"x" * 11) == []  # not kept, and nothing pushed out for it
    assert "big" not in lru
    assert len(lru) == 2
    assert lru.put("c", b"12") == [b"12345"]  # 4 + 2 left, within 10
    assert lru.values() == [b"1234", b"12"]
    lru.clear()
    assert lru.put("d", b"x" * 10) == []  # the cleared weight no longer counts


def test_pop_and_pop_where_forget_keys_and_their_weight() -> None:
    lru: Lru[tuple[str, int], bytes] = Lru(8, len)
    lru.put(("v.mp4", 1), b"1234")
    lru.put(("w.mp4", 1), b"12")
    lru.put(("v.mp4", 2), b"12")
    assert lru.pop_where(lambda k: k[0] == "v.mp4") == [b"1234", b"12"]
    assert lru.pop(("v.mp4", 1)) is None
    assert lru.pop(("w.mp4", 1)) == b"12"
    assert lru.put(("x.mp4", 1), b"x" * 8) == []  # all 8 bytes free again
