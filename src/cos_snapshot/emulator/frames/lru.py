"""The one bounded least-recently-used map behind the frame engine's caches."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

__all__ = ["Lru"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _one(_: object) -> int:
    return 1


class Lru(Generic[K, V]):
    """A map that forgets its least recently used entries while their total weight is over
    ``budget`` (``weigh(value)``; by default each entry weighs 1, so the budget is a count).

    An entry's weight is taken when it is put (and again by :meth:`reweigh`, for a value that
    grew in place), so a value whose weight changes later never unbalances the total.

    Not thread-safe: its owner holds a lock around it. What :meth:`put`, :meth:`reweigh` and
    :meth:`pop_where` drop is handed back, for the owner to close outside that lock.
    """

    def __init__(self, budget: int, weigh: Callable[[V], int] = _one) -> None:
        self._budget = budget
        self._weigh = weigh
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._weights: dict[K, int] = {}
        self._weight = 0

    def get(self, key: K) -> V | None:
        """The value of ``key``, now the most recently used; ``None`` if absent."""
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def peek(self, key: K) -> V | None:
        """The value of ``key`` without marking it used; ``None`` if absent."""
        return self._entries.get(key)

    def put(self, key: K, value: V) -> list[V]:
        """Keep ``value`` as the most recently used; return the values it pushed out (and one
        it replaced). A value heavier than the whole budget is not kept and pushes out nothing."""
        weight = self._weigh(value)
        if weight > self._budget:
            return []
        dropped = [] if (old := self.pop(key)) is None else [old]
        self._entries[key] = value
        self._weights[key] = weight
        self._weight += weight
        while self._weight > self._budget:
            dropped.append(self._drop(next(iter(self._entries))))
        return dropped

    def reweigh(self, key: K) -> list[V]:
        """Weigh ``key``'s value again (it grew or shrank in place) and make it the most
        recently used; return the other values that now no longer fit. The value itself is
        kept even if it alone is over the budget: its owner is using it."""
        if key not in self._entries:
            return []
        self._entries.move_to_end(key)
        weight = self._weigh(self._entries[key])
        self._weight += weight - self._weights[key]
        self._weights[key] = weight
        dropped: list[V] = []
        while self._weight > self._budget and len(self._entries) > 1:
            dropped.append(self._drop(next(iter(self._entries))))
        return dropped

    @property
    def weight(self) -> int:
        """The total weight of the entries kept."""
        return self._weight

    def pop(self, key: K) -> V | None:
        """Forget ``key``; its value, or ``None`` if absent."""
        return self._drop(key) if key in self._entries else None

    def pop_where(self, test: Callable[[K], bool]) -> list[V]:
        """Forget every key that passes ``test``; their values."""
        return [self._drop(key) for key in [k for k in self._entries if test(k)]]

    def clear(self) -> None:
        self._entries.clear()
        self._weights.clear()
        self._weight = 0

    def items(self) -> list[tuple[K, V]]:
        """The entries, least recently used first."""
        return list(self._entries.items())

    def values(self) -> list[V]:
        """The values, least recently used first."""
        return list(self._entries.values())

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[K]:
        return iter(self._entries)

    def _drop(self, key: K) -> V:
        value = self._entries.pop(key)
        self._weight -= self._weights.pop(key)
        return value
