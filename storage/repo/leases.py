"""Named leases: with several instances running the scheduler, one of them runs each job."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_, update

from storage import models as m
from storage.arguments import LeaseHolder, Seconds, width
from storage.repo.base import StoreBase, changed, require_text


class LeasesRepo(StoreBase):
    def try_acquire_lease(self, name: str, holder: LeaseHolder, ttl_seconds: Seconds) -> bool:
        """True when `holder` now holds `name` (new, expired, or already its own: renewed)."""
        require_text(name, "the lease name", limit=width(m.Lease.name))
        now = self.now()
        expires = now + timedelta(seconds=ttl_seconds)
        with self._tx() as s:
            values = dict(name=name, holder=holder, expires_at=expires)
            if self._insert_if_new(s, m.Lease, values):
                return True
            result = s.execute(
                update(m.Lease)
                .where(
                    m.Lease.name == name, or_(m.Lease.expires_at <= now, m.Lease.holder == holder)
                )
                .values(holder=holder, expires_at=expires)
            )
            return changed(result) == 1

    def release_lease(self, name: str, holder: LeaseHolder) -> bool:
        with self._tx() as s:
            result = s.execute(
                delete(m.Lease).where(m.Lease.name == name, m.Lease.holder == holder)
            )
            return changed(result) == 1
