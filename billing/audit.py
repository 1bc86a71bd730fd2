"""Recompute the ledger from its entries and open holds and report every difference (quality.md L1, L3).

Used by `manage.py ledger_check`, the tests and the state-machine auditor. Read-only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import connection

from billing.models import Hold, LedgerAccount, LedgerEntry

logger = logging.getLogger("billing.ledger_check")

_A, _E, _H = LedgerAccount._meta.db_table, LedgerEntry._meta.db_table, Hold._meta.db_table

_WALLETS_SQL = f"""
SELECT a.id, a.user_id, a.balance_micros, a.held_micros, a.version,
       COALESCE(e.total, 0), COALESCE(e.n, 0), COALESCE(e.max_version, 0), COALESCE(h.total, 0)
FROM {_A} a
LEFT JOIN (SELECT account_id, SUM(amount_micros) AS total, COUNT(*) AS n, MAX(account_version) AS max_version
           FROM {_E} GROUP BY account_id) e ON e.account_id = a.id
LEFT JOIN (SELECT wallet_id, SUM(amount_micros) AS total FROM {_H} WHERE status = 'open' GROUP BY wallet_id) h
       ON h.wallet_id = a.id
WHERE a.kind = 'user'
ORDER BY a.id
"""  # noqa: S608
_UNBALANCED_SQL = (
    f"SELECT transaction_id, SUM(amount_micros) FROM {_E} "  # noqa: S608
    "GROUP BY transaction_id HAVING SUM(amount_micros) <> 0 ORDER BY transaction_id"
)
# L8: no transaction moves credits from one user's wallet to another's.
_USER_TO_USER_SQL = (
    f"SELECT e.transaction_id FROM {_E} e JOIN {_A} a ON a.id = e.account_id "  # noqa: S608
    "WHERE a.kind = 'user' GROUP BY e.transaction_id HAVING COUNT(DISTINCT e.account_id) > 1"
)
_CHAIN_SQL = (
    f"SELECT account_id, COUNT(*) FROM {_E} WHERE account_version IS NOT NULL "  # noqa: S608
    "AND balance_after_micros <> balance_before_micros + amount_micros GROUP BY account_id"
)


@dataclass(frozen=True)
class Drift:
    account_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"account {self.account_id}" if self.account_id is not None else "ledger"
        return f"{where}: {self.problem}"


def _wallet_drifts(row: tuple[int, int, int, int, int, int, int, int, int]) -> list[Drift]:
    account_id, user_id, balance, held, version, total, n, max_version, open_holds = row
    found = []
    if balance != total:
        found.append(Drift(account_id, f"user {user_id}: cached balance {balance} != entries {total}"))
    if held != open_holds:
        found.append(Drift(account_id, f"user {user_id}: cached held {held} != open holds {open_holds}"))
    if not version == n == max_version:
        found.append(Drift(account_id, f"user {user_id}: version {version}, {n} entries, max {max_version}"))
    if balance < 0 or held < 0 or held > balance:
        found.append(Drift(account_id, f"user {user_id}: negative available ({balance} - {held})"))
    return found


def ledger_drifts() -> list[Drift]:
    """Every inconsistency between cached balances, entries and holds; empty when the ledger is sound."""
    found: list[Drift] = []
    with connection.cursor() as cursor:
        cursor.execute(_WALLETS_SQL)
        for row in cursor.fetchall():
            found.extend(_wallet_drifts(row))
        cursor.execute(_UNBALANCED_SQL)
        found.extend(Drift(None, f"transaction {t} sums to {s}") for t, s in cursor.fetchall())
        cursor.execute(_USER_TO_USER_SQL)
        found.extend(
            Drift(None, f"transaction {t} moves credits between users") for (t,) in cursor.fetchall()
        )
        cursor.execute(_CHAIN_SQL)
        found.extend(Drift(a, f"{n} entries break the balance chain") for a, n in cursor.fetchall())
    for drift in found:
        logger.error("Ledger drift: %s", drift)
    return found
