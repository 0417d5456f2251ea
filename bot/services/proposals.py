"""Proposals: made by the engine from pending feedback, evaluated, decided on in the channel."""

from __future__ import annotations

import dataclasses
import logging

from alignment import (
    FeedbackKind,
    ModelError,
    ProposalFailed,
    Template,
    propose,
)
from alignment.evaluation import SampleRun, evaluate, pick_samples
from alignment.feedback import Feedback
from alignment.judge import JudgeError, LabelledOutput, build_judge
from alignment.proposer import Candidate
from alignment.usage import CallStats
from alignment.vocabulary import ProposalStatus
from bot.services.announce import Announcer
from bot.services.context import Actor, Permalink, ServiceError, not_in_workspace
from bot.services.metering import MeteredModel
from bot.services.models import Models
from bot.services.proposal_view import EDITED_FROM, proposal_view
from bot.services.templates import TemplateService
from bot.services.votes import preference_feedback, preference_labels, stored_ids
from bot.slack.views import models as vm
from storage import Store
from storage.errors import InvalidInput
from storage.records import DecisionOutcome, ProposalInfo, VoteOutcome
from storage.repo.votes import CANDIDATES, candidates_of

log = logging.getLogger(__name__)


class ProposalService:
    def __init__(
        self,
        store: Store,
        templates: TemplateService,
        models: Models,
        feedback_budget: int = 50,
        announcer: Announcer | None = None,
    ) -> None:
        self.store = store
        self.announcer = announcer  # webhooks of proposals and approvals
        self.templates = templates
        self.models = models
        self.feedback_budget = feedback_budget  # items sent per proposal: most agreed, newest

    def template_channel(self, actor: Actor, name: str) -> str | None:
        return self.templates.get(actor, name).channel_id

    def create(self, actor: Actor, name: str, *, created_by: str | None = None) -> ProposalInfo:
        """One proposal from all pending feedback. ProposalFailed says why there is none.

        Every model call is recorded (DESIGN §3), also when the attempt fails: a failure that
        cost calls is stored as a `failed` proposal carrying them and the reason."""
        info = self.templates.get(actor, name)
        by = created_by or actor.user_id
        base = Template(info.active_version.text)
        feedback = self.store.pending_feedback(info.id, limit=self.feedback_budget)
        votes = preference_feedback(self.store.preferences(info.id))
        principles = self.store.active_principles(info.id)
        calls: list[CallStats] = []
        try:
            result = propose(
                base,
                [*feedback, *votes],
                principles,
                workflow=info.workflow.value,
                model=MeteredModel(self.models.align(), calls),
                candidates=info.settings.candidates,
            )
        except ProposalFailed as exc:
            self._record_failure(info, exc.reason, calls, by)
            raise
        made = result.candidates or [Candidate(result.template, result.rationale, result.diff)]
        evaluations = self._evaluate_all(info, base, [c.template for c in made], feedback, calls)
        evaluation = evaluations[0]
        if len(made) > 1:  # the same inputs and the same judge for every candidate: a fair vote
            evaluation[CANDIDATES] = [
                {
                    "number": n,
                    "text": c.template.text,
                    "rationale": c.rationale,
                    "rows": e.get("rows", []),
                }
                for n, (c, e) in enumerate(zip(made, evaluations, strict=True), 1)
            ]
        mutations = [
            dataclasses.replace(mu, feedback_ids=tuple(stored_ids(mu.feedback_ids)))
            for mu in result.mutations
        ]
        try:
            proposal = self.store.create_proposal(
                info.id,
                info.active_version.id,
                result.template.text,
                result.rationale,
                info.workflow,
                mutations,
                stored_ids(result.used_feedback_ids),
                evaluation,
                calls,
                by,
            )
        except InvalidInput as exc:  # e.g. a new version became active meanwhile
            self._record_failure(info, str(exc), calls, by)
            raise
        if self.announcer is not None:
            self.announcer.proposal_created(info, proposal)
        return proposal

    def _record_failure(self, info, reason: str, calls: list[CallStats], by: str) -> None:
        if not calls:  # nothing was spent (e.g. nothing to propose): nothing to keep
            return
        try:
            self.store.record_failed_proposal(
                info.id, info.active_version.id, info.workflow.value, reason, calls, by
            )
        except Exception:  # the team must still hear why there is no proposal
            log.exception("could not record the failed proposal for %s", info.name)

    def _evaluate(
        self, info, base: Template, new: Template, feedback, calls: list[CallStats]
    ) -> dict:
        return self._evaluate_all(info, base, [new], feedback, calls)[0]

    def _evaluate_all(
        self, info, base: Template, news: list[Template], feedback, calls: list[CallStats]
    ) -> list[dict]:
        """Before/after on recent inputs, scored by a judge from the team's labels (and votes)
        if any: one evaluation per template in `news`, on the same samples, with one judge.

        The calls made (the judge's and a failed evaluation's included) are added to `calls`."""
        samples = pick_samples(
            [
                SampleRun(r.inputs, r.output or "", r.critiqued, r.created_at)
                for r in self.store.recent_runs(info.id, limit=20)
                if r.output is not None
            ]
        )
        if not samples:
            return [{"rows": []} for _ in news]
        _, target = self.models.target(info.target_model)
        labelled = [
            LabelledOutput(f.inputs, f.output, f.label)
            for f in feedback
            if f.kind is FeedbackKind.LABEL and f.output and f.label
        ] + preference_labels(self.store.preferences(info.id))
        judge, judge_note = None, None
        try:
            judge = build_judge(labelled, MeteredModel(self.models.align(), calls))
        except JudgeError as exc:  # e.g. only 👎 so far: say so instead of scoring alike
            judge_note = str(exc)
        except ModelError as exc:
            judge_note = f"the judge could not be built: {exc}"
        if judge_note:
            log.info("no judge for %s: %s", info.name, judge_note)
        out: list[dict] = []
        for new in news:
            try:
                result = evaluate(base, new, samples, MeteredModel(target, calls), judge)
            except (JudgeError, ModelError) as exc:
                out.append({"rows": [], "error": f"evaluation failed: {exc}"})
                continue
            rows = [dataclasses.asdict(r) for r in result.rows]
            out.append({"rows": rows, "judge_note": judge_note} if judge_note else {"rows": rows})
        return out

    def check_edit(self, actor: Actor, proposal_id: str, text: str) -> ProposalInfo:
        """Refuse an edit that cannot become a proposal, while the form is still open."""
        old = self.checked(actor, proposal_id)
        if old.status is not ProposalStatus.PENDING:
            raise ServiceError(
                f"Proposal #{old.id} is {old.status.value}; only a pending proposal can be edited."
            )
        Template(text)  # bad {{…}} syntax is told while the form is open
        return old

    def create_edited(self, actor: Actor, proposal_id: str, text: str) -> ProposalInfo:
        """A person's edit of a proposal becomes a new proposal that supersedes it, evaluated
        again (before/after, judge) since its text is not the one the evidence was about."""
        old = self.check_edit(actor, proposal_id, text)
        info = self.store.get_template_by_id(old.template_id)
        version = self.store.get_version(info.id, old.base_version_number)
        if version is None:  # versions are never deleted; a proposal's base is always there
            raise ServiceError(f"Proposal #{old.id}'s base version is gone.")
        base = Template(version.text)
        feedback = self.store.pending_feedback(info.id, limit=self.feedback_budget)
        calls: list[CallStats] = []
        evaluation = self._evaluate(info, base, Template(text), feedback, calls)
        evaluation[EDITED_FROM] = old.id
        made = self.store.create_proposal(
            old.template_id,
            old.base_version_id,
            text,
            old.rationale,
            old.workflow,
            list(old.mutations),
            list(old.feedback_ids),
            evaluation,
            calls,
            actor.user_id,
        )
        if self.announcer is not None:
            self.announcer.proposal_created(self.store.get_template_by_id(old.template_id), made)
        return made

    def vote(self, actor: Actor, proposal_id: str, candidate: int, pair: str = "") -> VoteOutcome:
        """One vote per person (and A/B pair); voting again changes it."""
        return self.store.vote(proposal_number(proposal_id), actor.user_id, candidate, pair)

    def comparison(self, proposal_id: str, a: int, b: int) -> vm.ComparisonView:
        """Candidates `a` and `b`'s outputs on the same sample inputs, for an A/B choice."""
        p = self.get(proposal_id)
        found = {int(c["number"]): c for c in candidates_of(p.evaluation)}
        if a == b or a not in found or b not in found:
            raise ServiceError(f"Proposal #{p.id} has no candidates {a} and {b} to compare.")
        rows = tuple(
            (dict(ra.get("inputs") or {}), str(ra.get("after") or ""), str(rb.get("after") or ""))
            for ra, rb in zip(found[a].get("rows") or [], found[b].get("rows") or [], strict=False)
            if ra.get("inputs") == rb.get("inputs")
        )
        if not rows:
            raise ServiceError(f"Candidates {a} and {b} have no outputs to compare.")
        name = self.store.get_template_by_id(p.template_id).name
        return vm.ComparisonView(str(p.id), name, a, b, rows)

    def another_candidate(
        self, actor: Actor, proposal_id: str, thread: list[tuple[str, str]]
    ) -> int:
        """One more candidate from the feedback as it stands, with what people said in the
        proposal's thread (`(user, text)` pairs), added to the vote. Returns its number."""
        p = self.get(proposal_id)
        if p.status is not ProposalStatus.PENDING:
            raise ServiceError(f"Proposal #{p.id} is {p.status.value}; its vote is closed.")
        info = self.store.get_template_by_id(p.template_id)
        version = self.store.get_version(info.id, p.base_version_number)
        if version is None:
            raise ServiceError(f"Proposal #{p.id}'s base version is gone.")
        base = Template(version.text)
        feedback = self.store.pending_feedback(info.id, limit=self.feedback_budget)
        said = [
            Feedback(f"thread-{n}", FeedbackKind.CRITIQUE, user, text[:2000])
            for n, (user, text) in enumerate(thread, 1)
            if text.strip()
        ]
        votes = preference_feedback(self.store.preferences(info.id))
        existing = [c["text"] for c in candidates_of(p.evaluation)] or [p.text]
        calls: list[CallStats] = []
        try:
            result = propose(
                base,
                [*feedback, *said, *votes],
                self.store.active_principles(info.id),
                workflow=p.workflow.value,
                model=MeteredModel(self.models.align(), calls),
                others=existing,
            )
        finally:  # what the attempt cost is recorded even when it made nothing
            self.store.record_calls(list(calls), proposal_id=p.id)
        calls = []
        rows = self._evaluate(info, base, result.template, feedback, calls).get("rows", [])
        if not candidates_of(p.evaluation):  # a one-candidate proposal becomes a vote
            first = (p.evaluation or {}).get("rows", [])
            self.store.add_candidate(p.id, p.text, p.rationale, first)
        self.store.record_calls(calls, proposal_id=p.id)
        return self.store.add_candidate(p.id, result.template.text, result.rationale, rows)

    def get(self, proposal_id: str | int) -> ProposalInfo:
        """For the worker, whose rows carry ids already checked; a request uses `checked`."""
        p = self.store.get_proposal(proposal_number(proposal_id))
        if p is None:
            raise ServiceError(f"There is no proposal #{proposal_id}.")
        return p

    def checked(self, actor: Actor, proposal_id: str | int) -> ProposalInfo:
        """The proposal with an id taken from a payload, if it is of the asker's workspace."""
        number = proposal_number(proposal_id)
        p = self.store.get_proposal(number, team_id=actor.team_id)
        if p is None:
            foreign = self.store.get_proposal(number) is not None
            raise not_in_workspace(actor, "proposal", number, foreign=foreign)
        return p

    def approve(self, actor: Actor, proposal_id: str) -> DecisionOutcome:
        outcome = self.store.approve(self.checked(actor, proposal_id).id, actor.user_id)
        return self._announced(outcome)

    def reject(self, actor: Actor, proposal_id: str, reason: str) -> DecisionOutcome:
        outcome = self.store.reject(self.checked(actor, proposal_id).id, actor.user_id, reason)
        return self._announced(outcome)

    def _announced(self, outcome: DecisionOutcome) -> DecisionOutcome:
        if self.announcer is not None and outcome.proposal is not None:
            template = self.store.get_template_by_id(outcome.proposal.template_id)
            self.announcer.decided(template, outcome)
        return outcome

    def attach_message(self, proposal_id: int, channel_id: str, ts: str) -> None:
        self.store.set_proposal_message(proposal_id, channel_id, ts)

    # --- the view --------------------------------------------------------------------------

    def view_for(
        self, actor: Actor, proposal_id: str | int, permalink: Permalink | None = None
    ) -> vm.ProposalView:
        return proposal_view(self.store, self.checked(actor, proposal_id), permalink)

    def view(self, proposal_id: str | int, permalink: Permalink | None = None) -> vm.ProposalView:
        """For the worker, whose rows carry ids already checked; a request uses `view_for`."""
        return proposal_view(self.store, self.get(proposal_id), permalink)

    def is_proposal_message(self, channel_id: str, ts: str) -> bool:
        return self.store.find_proposal_by_message(channel_id, ts) is not None

    def of_template(self, template_id: int) -> list[ProposalInfo]:
        return self.store.list_proposals(template_id)

    def template_name(self, info: ProposalInfo) -> str:
        return self.templates.by_id(info.template_id).name

    def pending(self, team_id: str) -> list[ProposalInfo]:
        return self.store.pending_proposals(team_id)


def proposal_number(proposal_id: str | int) -> int:
    try:
        return int(str(proposal_id).strip())
    except ValueError:
        raise ServiceError(f"`{str(proposal_id)[:40]}` is not a proposal id.") from None


__all__ = ["ProposalFailed", "ProposalService"]
