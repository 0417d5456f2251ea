"""API tokens: made once (the secret shown once, kept only as a hash), listed, revoked, and
checked on every API request."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select, update

from storage import models as m
from storage.api_records import ApiTokenInfo, NewToken, Scope
from storage.arguments import TeamId, UserId
from storage.errors import AlreadyExists, InvalidInput, NotFound
from storage.repo.base import StoreBase

TOKEN_PREFIX = "abt_"
TOKEN_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
USED_AT_RESOLUTION = timedelta(minutes=1)  # last_used_at is written at most once a minute


def hash_token(secret: str) -> str:
    """SHA-256 is enough: tokens are 256 random bits, so there is nothing to guess slowly."""
    return hashlib.sha256(secret.encode()).hexdigest()


def check_token_name(name: str) -> str:
    if not isinstance(name, str) or not TOKEN_NAME_RE.match(name):
        raise InvalidInput(
            f"token name {name!r} is not valid: use 1-64 letters, digits, '-', '_' or '.'"
        )
    return name


def check_scopes(scopes: Sequence[str]) -> tuple[Scope, ...]:
    out: list[Scope] = []
    for raw in scopes:
        try:
            scope = Scope(raw)
        except ValueError:
            known = ", ".join(s.value for s in Scope)
            raise InvalidInput(f"unknown scope {raw!r}; scopes: {known}") from None
        if scope not in out:
            out.append(scope)
    if not out:
        raise InvalidInput("a token needs at least one scope")
    return tuple(out)


class TokensRepo(StoreBase):
    # -- tokens --------------------------------------------------------------------------------

    def create_token(
        self, team_id: TeamId, name: str, scopes: Sequence[str], *, created_by: UserId
    ) -> NewToken:
        check_token_name(name)
        checked = check_scopes(scopes)
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._tx() as s:
            values = dict(
                team_id=team_id,
                name=name,
                token_hash=hash_token(secret),
                prefix=secret[: len(TOKEN_PREFIX) + 6],
                scopes=[sc.value for sc in checked],
                created_by=created_by,
                created_at=self.now(),
            )
            if not self._insert_if_new(s, m.ApiToken, values):
                raise AlreadyExists(
                    f"a token named {name!r} already exists in this workspace (revoked ones "
                    "keep their name); pick another name"
                )
            row = s.scalars(
                select(m.ApiToken).where(m.ApiToken.team_id == team_id, m.ApiToken.name == name)
            ).one()
            return NewToken(_token(row), secret)

    def list_tokens(self, team_id: TeamId) -> list[ApiTokenInfo]:
        with self._tx(write=False) as s:
            rows = s.scalars(
                select(m.ApiToken).where(m.ApiToken.team_id == team_id).order_by(m.ApiToken.name)
            ).all()
            return [_token(r) for r in rows]

    def revoke_token(self, team_id: TeamId, name: str) -> ApiTokenInfo:
        with self._tx() as s:
            row = s.scalars(
                select(m.ApiToken)
                .where(m.ApiToken.team_id == team_id, m.ApiToken.name == name)
                .with_for_update()
            ).one_or_none()
            if row is None:
                raise NotFound(f"there is no token named {name!r} in this workspace")
            if row.revoked_at is None:
                row.revoked_at = self.now()
            return _token(row)

    def authenticate(self, secret: str) -> ApiTokenInfo | None:
        """The live token with this secret, else None (unknown, malformed or revoked)."""
        if not isinstance(secret, str) or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
            return None
        digest = hash_token(secret)
        with self._tx(write=False) as s:
            row = s.scalars(
                select(m.ApiToken).where(
                    m.ApiToken.token_hash == digest, m.ApiToken.revoked_at.is_(None)
                )
            ).one_or_none()
            if row is None:
                return None
            info = _token(row)
        now = self.now()
        if info.last_used_at is None or now - info.last_used_at > USED_AT_RESOLUTION:
            with self._tx() as s:
                s.execute(
                    update(m.ApiToken).where(m.ApiToken.id == info.id).values(last_used_at=now)
                )
        return info


def _token(row: m.ApiToken) -> ApiTokenInfo:
    return ApiTokenInfo(
        id=row.id,
        team_id=row.team_id,
        name=row.name,
        prefix=row.prefix,
        scopes=tuple(Scope(sc) for sc in row.scopes),
        created_by=row.created_by,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )
