"""Votes between a proposal's competing candidates, kept as preferences (chosen vs not).

A multi-candidate proposal keeps its candidates in its evaluation (`candidates`: number, text,
rationale, before/after rows); its own text is always the leading candidate's, so approval
works on the winner unchanged. When the lead changes, approvals given to the old leader are
withdrawn: they were for another text.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from alignment.vocabulary import Decision, ProposalStatus
from storage import models as m
from storage.arguments import ProposalId, TemplateId, UserId
from storage.errors import InvalidInput
from storage.records import PreferenceRecord, VoteOutcome
from storage.repo.proposals import ProposalsRepo

CANDIDATES = "candidates"  # the key in a proposal's evaluation
MAX_CANDIDATES = 8  # four asked for, plus "Another candidate" a few times


def candidates_of(evaluation: dict[str, Any] | None) -> list[dict[str, Any]]:
    return list((evaluation or {}).get(CANDIDATES) or [])


class VotesRepo(ProposalsRepo):
    def add_candidate(
        self, proposal_id: ProposalId, text: str, rationale: str, rows: list[dict[str, Any]]
    ) -> int:
        """Add one more candidate to a pending proposal's vote; returns its number."""
        with self._tx() as s:
            row = self._proposal_row(s, proposal_id, lock=True)
            if row.status != ProposalStatus.PENDING.value:
                raise InvalidInput(f"proposal #{row.id} is {row.status}; its vote is closed")
            found = candidates_of(row.evaluation)
            if len(found) >= MAX_CANDIDATES:
                raise InvalidInput(f"proposal #{row.id} already has {len(found)} candidates")
            if any(c["text"].strip() == text.strip() for c in found):
                raise InvalidInput(f"proposal #{row.id} already has this candidate")
            number = max((int(c["number"]) for c in found), default=0) + 1
            found.append({"number": number, "text": text, "rationale": rationale, "rows": rows})
            row.evaluation = {**(row.evaluation or {}), CANDIDATES: found}
            return number

    def vote(
        self, proposal_id: ProposalId, user_id: UserId, chosen: int, pair: str = ""
    ) -> VoteOutcome:
        """`user_id` chooses candidate `chosen` (among all, or in the A/B `pair` "a:b"). One
        vote per person and comparison; voting again changes it."""
        now = self.now()
        with self._tx() as s:
            row = self._proposal_row(s, proposal_id, lock=True)
            if row.status != ProposalStatus.PENDING.value:
                raise InvalidInput(f"proposal #{row.id} is {row.status}; its vote is closed")
            numbers = [int(c["number"]) for c in candidates_of(row.evaluation)]
            if len(numbers) < 2:
                raise InvalidInput(f"proposal #{row.id} has no candidates to vote between")
            among = numbers
            if pair:
                among = _pair(pair, numbers)
            if chosen not in among:
                raise InvalidInput(f"proposal #{row.id} has no candidate {chosen} to choose here")
            others = [n for n in among if n != chosen]
            pref = s.scalars(
                select(m.Preference).where(
                    m.Preference.proposal_id == row.id,
                    m.Preference.user_id == user_id,
                    m.Preference.pair == pair,
                )
            ).one_or_none()
            changed = pref is None or pref.chosen != chosen
            if pref is None:
                s.add(
                    m.Preference(
                        template_id=row.template_id,
                        proposal_id=row.id,
                        user_id=user_id,
                        pair=pair,
                        chosen=chosen,
                        others=others,
                        created_at=now,
                        updated_at=now,
                    )
                )
            else:
                pref.chosen, pref.others, pref.updated_at = chosen, others, now
            s.flush()
            return self._lead(s, row, changed)

    def _lead(self, s: Session, row: m.Proposal, changed: bool = True) -> VoteOutcome:
        """Make the leading candidate the proposal's text (ties go to the lower number)."""
        found = {int(c["number"]): c for c in candidates_of(row.evaluation)}
        tally = self._tally(s, row.id, list(found))
        leader = max(sorted(found), key=lambda n: tally[n])
        cleared = False
        if found[leader]["text"] != row.text:
            row.text, row.rationale = found[leader]["text"], found[leader]["rationale"]
            gone = s.execute(
                delete(m.Decision).where(
                    m.Decision.proposal_id == row.id,
                    m.Decision.decision == Decision.APPROVE.value,
                )
            )
            cleared = bool(getattr(gone, "rowcount", 0))
        return VoteOutcome(row.id, tally, leader, changed, cleared)

    @staticmethod
    def _tally(s: Session, proposal_id: int, numbers: list[int]) -> dict[int, int]:
        chosen = s.scalars(
            select(m.Preference.chosen).where(
                m.Preference.proposal_id == proposal_id, m.Preference.pair == ""
            )
        ).all()
        counts = Counter(chosen)
        return {n: counts.get(n, 0) for n in numbers}

    def tally(self, proposal_id: ProposalId) -> dict[int, int]:
        with self._tx(write=False) as s:
            row = self._proposal_row(s, proposal_id)
            return self._tally(s, row.id, [int(c["number"]) for c in candidates_of(row.evaluation)])

    def votes_of(self, proposal_id: ProposalId) -> dict[str, int]:
        """Who chose which candidate (the vote among all), by user id."""
        with self._tx(write=False) as s:
            rows = s.scalars(
                select(m.Preference).where(
                    m.Preference.proposal_id == proposal_id, m.Preference.pair == ""
                )
            ).all()
            return {p.user_id: p.chosen for p in rows}

    def preferences(self, template_id: TemplateId, limit: int = 200) -> list[PreferenceRecord]:
        """The template's stored votes, newest first, with the texts they chose between."""
        with self._tx(write=False) as s:
            prefs = s.scalars(
                select(m.Preference)
                .where(m.Preference.template_id == template_id)
                .order_by(m.Preference.updated_at.desc(), m.Preference.id.desc())
                .limit(limit)
            ).all()
            out = []
            for p in prefs:
                proposal = s.get(m.Proposal, p.proposal_id)
                stored = candidates_of(proposal.evaluation if proposal else None)
                found = {int(c["number"]): c for c in stored}
                if p.chosen not in found:
                    continue
                others = [found[n] for n in p.others if n in found]
                out.append(
                    PreferenceRecord(
                        proposal_id=p.proposal_id,
                        user_id=p.user_id,
                        chosen_text=found[p.chosen]["text"],
                        other_texts=tuple(o["text"] for o in others),
                        pair=p.pair,
                        chosen_rows=tuple(found[p.chosen].get("rows") or ()),
                        other_rows=tuple(tuple(o.get("rows") or ()) for o in others),
                    )
                )
            return out


def _pair(pair: str, numbers: list[int]) -> list[int]:
    try:
        a, b = (int(x) for x in pair.split(":"))
    except ValueError:
        raise InvalidInput(f"`{pair[:20]}` is not a pair of candidate numbers") from None
    if a == b or a not in numbers or b not in numbers:
        raise InvalidInput(f"`{pair[:20]}` does not name two of the candidates")
    return [a, b]
