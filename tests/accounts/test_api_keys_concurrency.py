"""The live-key limit and the customer record hold under concurrent requests (real commits, PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from accounts.models import ApiKey, User
from accounts.services.api_keys import api_key_create
from accounts.services.customers import customer_ensure
from comfyweb.errors import ApiError
from tests.conftest import make_user


def _run_in_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def runner(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as exc:  # noqa: BLE001 - the test inspects every outcome
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_it_never_exceeds_25_live_keys_under_concurrent_creates() -> None:
    user = make_user("racer@example.com")
    for n in range(20):
        api_key_create(user=user, name=f"k{n}")

    def create(index: int) -> Any:
        return api_key_create(user=User.objects.get(pk=user.pk), name=f"racing {index}")

    results = _run_in_threads(12, create)
    refused = [r for r in results if isinstance(r, ApiError)]
    assert ApiKey.objects.filter(user=user).count() == 25
    assert len(refused) == 7
    assert all(r.status == 409 for r in refused)


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_it_creates_the_customer_exactly_once_under_concurrent_posts() -> None:
    user = make_user("racer@example.com")
    results = _run_in_threads(10, lambda _i: customer_ensure(user=User.objects.get(pk=user.pk)))
    assert results.count(True) == 1
    assert results.count(False) == 9
