"""What several daemons on one PostgreSQL share: source leases (rows), the live daemons (rows)
and advisory locks.

**Source leases** (`source_leases`, one row per source): a daemon claims a source before
polling it: the row is free (no owner, or its hold lapsed) and, for a scheduled poll, due (no
poll under a lease started in the last `min_gap` seconds). The claim writes the owner, the
expiry (now + ttl) and the poll's start in one statement; the holder renews its leases while it
polls and releases them after (the expiry becomes NULL; the owner stays, as the last holder). A
lease half a ttl past its expiry, unreleased, is a poll that died with its daemon: due at once
(the holder renews every third of the ttl and gives up its polls when it cannot). Every time is
the database server's clock (`clock_timestamp()`), so daemons on machines whose clocks differ
still agree. A daemon killed with -9 or cut off
from the server simply stops renewing: its leases lapse within the ttl.

**Live daemons** (`daemons`): each daemon's row, renewed with its leases. A scheduled claim is
fair: a daemon that was the last to poll an even share of the sources (among the live daemons,
rounded up) takes no more, and one above it leaves its own to the others, so a daemon that starts
later, or comes back after losing the server, gets its part without any configuration.

**Advisory locks** (`SessionLocks`): session-level `pg_try_advisory_lock` on one connection of
their own, for short turns such as "this daemon sends this channel's messages now"; they end
with the session, so a killed daemon leaves none behind.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

__all__ = ["RowLeases", "SessionLocks", "advisory_key"]

_NOW = "clock_timestamp()"
_TTL = "CAST(:ttl AS float8) * interval '1 second'"
_IDS = "CAST(:ids AS varchar[])"
_GRACE = "CAST(:ttl AS float8) * interval '0.5 second'"  # lapsed this long: its poller is gone
_CLAIM = f"""
INSERT INTO source_leases (source_id, owner, expires_at, polled_at)
SELECT sid, :owner, {_NOW} + {_TTL}, {_NOW} FROM unnest({_IDS}) AS sid
ORDER BY sid
ON CONFLICT (source_id) DO UPDATE
SET owner = excluded.owner, expires_at = excluded.expires_at, polled_at = excluded.polled_at
WHERE (source_leases.owner IS NULL OR source_leases.expires_at IS NULL
       OR source_leases.expires_at <= {_NOW})
  AND (source_leases.polled_at IS NULL OR source_leases.expires_at <= {_NOW} - {_GRACE}
       OR source_leases.polled_at <= {_NOW} - CAST(:gap AS float8) * interval '1 second')
  AND (NOT :fair OR {{share}})
RETURNING source_id
"""
# the fair share: a daemon polls at most an even split of the sources among the live daemons
# (rounded up); one that holds more leaves its own sources to the others until it is back to it
_SHARE = """(SELECT count(*) FROM source_leases WHERE owner = :owner)
  - (CASE WHEN source_leases.owner = :owner THEN 1 ELSE 0 END) <
  ceil((SELECT count(*) FROM source_leases)::float8
       / greatest(1, (SELECT count(*) FROM daemons WHERE expires_at > clock_timestamp())))"""
# how many more sources this daemon may take before it is at its share (the sweep's batch)
_ROOM = """ceil((SELECT count(*) FROM source_leases)::float8
       / greatest(1, (SELECT count(*) FROM daemons WHERE expires_at > clock_timestamp())))
  - (SELECT count(*) FROM source_leases WHERE owner = :owner)"""
_OVERDUE = f"""
UPDATE source_leases SET owner = :owner, expires_at = {_NOW} + {_TTL}, polled_at = {_NOW}
WHERE source_id IN (
  SELECT source_id FROM source_leases
  WHERE source_id = ANY({_IDS})
    AND (expires_at <= {_NOW} - {_GRACE}
         OR expires_at IS NULL AND polled_at <= {_NOW} - CAST(:late AS float8) * interval '1 second'
            AND (owner IS NULL
                 OR owner NOT IN (SELECT name FROM daemons WHERE expires_at > {_NOW})))
  ORDER BY polled_at LIMIT greatest(0, least(:limit, {_ROOM}))
  FOR UPDATE SKIP LOCKED)
RETURNING source_id
"""
_HEARTBEAT = f"""
INSERT INTO daemons (name, started_at, expires_at) VALUES (:owner, {_NOW}, {_NOW} + {_TTL})
ON CONFLICT (name) DO UPDATE SET expires_at = excluded.expires_at
"""
_RENEW = f"""
UPDATE source_leases
SET expires_at = CASE WHEN source_id = ANY({_IDS}) THEN {_NOW} + {_TTL} END
WHERE owner = :owner AND expires_at > {_NOW}
RETURNING source_id
"""
_RELEASE = f"""
UPDATE source_leases SET expires_at = NULL
WHERE source_id = ANY({_IDS}) AND owner = :owner AND expires_at > {_NOW}
"""


def advisory_key(*parts: str) -> int:
    """A signed 64-bit key for advisory locks (stable across processes and versions)."""
    digest = hashlib.blake2b("\0".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class RowLeases:
    """Source leases of one daemon (`owner`, e.g. "host:pid") on PostgreSQL.

    Each call is one short transaction on a pooled connection; a failure (the server away)
    raises, and the caller decides (a daemon stops polling until the server is back).
    """

    def __init__(self, engine: Engine, owner: str, ttl: float) -> None:
        self.engine, self.owner, self.ttl = engine, owner, ttl

    def claim(
        self, source_ids: Iterable[str], *, min_gap: float = 0.0, fair: bool = False
    ) -> set[str]:
        """The sources of `source_ids` now leased to this owner: free and not polled under a
        lease in the last `min_gap` seconds (0: a poll asked for now, `newsmon poll`); `fair`
        (a daemon's scheduled claim): not while this daemon polls more than its share of the
        sources among the live daemons, so that the work spreads over all of them."""
        ids = sorted(set(source_ids))  # one order for every claimer: no deadlock between them
        if not ids:
            return set()
        params = {
            "ids": ids,
            "owner": self.owner,
            "ttl": self.ttl,
            "gap": max(0.0, min_gap),
            "fair": fair,
        }
        with self.engine.begin() as conn:
            return {row[0] for row in conn.execute(text(_CLAIM.format(share=_SHARE)), params)}

    def claim_overdue(self, source_ids: Iterable[str], late: float, limit: int) -> set[str]:
        """Up to `limit` of these sources left behind: a poll whose lease lapsed unreleased (its
        daemon died polling), or no poll in the last `late` seconds while the last poller is no
        live daemon (killed, cut off, or a `newsmon poll`); no more than this daemon's share
        leaves room for. Rows another claimer has locked are skipped (SKIP LOCKED), so daemons
        sweeping at once split the batch."""
        ids = sorted(set(source_ids))
        if not ids:
            return set()
        params = {"ids": ids, "owner": self.owner, "ttl": self.ttl, "late": late, "limit": limit}
        with self.engine.begin() as conn:
            return {row[0] for row in conn.execute(text(_OVERDUE), params)}

    def heartbeat(self) -> None:
        """Say this daemon is alive for another ttl (the fair share counts the live ones)."""
        with self.engine.begin() as conn:
            conn.execute(text(_HEARTBEAT), {"owner": self.owner, "ttl": self.ttl})

    def leave(self) -> None:
        """This daemon stops: it no longer counts among the live ones."""
        with self.engine.begin() as conn:
            conn.execute(text("DELETE FROM daemons WHERE name = :owner"), {"owner": self.owner})

    def renew(self, source_ids: Iterable[str]) -> set[str]:
        """Extend this owner's live leases of `source_ids` by the ttl, and free its other live
        ones (left from before a lost connection); returns the sources still held."""
        ids = sorted(set(source_ids))
        with self.engine.begin() as conn:
            params = {"ids": ids, "owner": self.owner, "ttl": self.ttl}
            conn.execute(text(_HEARTBEAT), params)
            return {row[0] for row in conn.execute(text(_RENEW), params)} & set(ids)

    def release(self, source_ids: Iterable[str]) -> None:
        """Free these leases now: no expiry (the owner and the poll's start stay, for
        `sources`)."""
        ids = sorted(set(source_ids))
        if ids:
            with self.engine.begin() as conn:
                conn.execute(text(_RELEASE), {"ids": ids, "owner": self.owner})


class SessionLocks:
    """Named session advisory locks on one dedicated connection (never the pool's).

    `try_lock(name)` is False when another session holds the name, or when the server cannot
    be asked (the connection is dropped and made again at the next call).
    """

    def __init__(self, engine: Engine, scope: str = "newsmon") -> None:
        self.engine, self.scope = engine, scope
        self._conn: Connection | None = None
        self._schema = ""
        self._held: set[str] = set()

    def _connection(self) -> Connection:
        if self._conn is None:
            conn = self.engine.connect()
            self._schema = str(conn.execute(text("select current_schema()")).scalar() or "")
            conn.commit()
            self._conn = conn
        return self._conn

    def _key(self, name: str) -> int:
        return advisory_key(self.scope, self._schema, name)

    def try_lock(self, name: str) -> bool:
        if name in self._held:
            return False
        try:
            conn = self._connection()
            got = bool(
                conn.execute(
                    text("select pg_try_advisory_lock(:k)"), {"k": self._key(name)}
                ).scalar()
            )
            conn.commit()
        except Exception:
            self._drop()
            return False
        if got:
            self._held.add(name)
        return got

    def unlock(self, name: str) -> None:
        if name not in self._held:
            return
        self._held.discard(name)
        try:
            conn = self._connection()
            conn.execute(text("select pg_advisory_unlock(:k)"), {"k": self._key(name)})
            conn.commit()
        except Exception:
            self._drop()  # the session is gone: so are its locks

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        self._held.clear()
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.invalidate()
                conn.close()

    def close(self) -> None:
        conn, self._conn = self._conn, None
        self._held.clear()
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.detach()  # out of the pool: closing ends the session and its locks
                conn.close()
