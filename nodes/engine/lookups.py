"""Ids a vendor handed one caller from a free call (Tripo's import starts a task and answers its id), so a
lookup poll of that id (`Poll.lookup_owned`) is forwarded for that caller only. Kept in the cache for as
long as such a task can run: there is no usage row to tie it to, and nothing is charged."""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache

LOOKUP_TTL = timedelta(hours=24)


def _key(user_pk: int, vendor: str, ref: str) -> str:
    return f"proxy:lookup:{vendor}:{user_pk}:{ref[:200]}"


async def remember(user_pk: int, vendor: str, ref: str) -> None:
    await cache.aset(_key(user_pk, vendor, ref), 1, timeout=int(LOOKUP_TTL.total_seconds()))


async def owned(user_pk: int, vendor: str, ref: str) -> bool:
    return bool(await cache.aget(_key(user_pk, vendor, ref)))
