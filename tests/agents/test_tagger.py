"""The tagger: offline it never invents a classification; a model's invalid answer is
rejected with the validation error and retried."""

from __future__ import annotations

import json
import uuid

from agents.testing import ScriptedModel, assistant_message
from sqlalchemy import Engine

from alex.agents.events import EventRecorder
from alex.agents.tagger.agent import tag_symbol
from alex.db import repository as repo
from alex.db.seed import seed
from alex.db.session import session_scope
from alex.schemas import InstrumentRead

VALID = {
    "name": "ARK Innovation ETF",
    "instrument_type": "etf",
    "allocation_asset_class": {"equity": 100},
    "allocation_regions": {"north_america": 95, "other": 5},
    "allocation_sectors": {"technology": 60, "healthcare": 25, "communication": 15},
}


def _job(engine: Engine) -> uuid.UUID:
    with session_scope(engine) as session:
        return repo.create_job(session, "demo", "portfolio_analysis").id


def _arkk(engine: Engine) -> InstrumentRead:
    with session_scope(engine) as session:
        return repo.effective_instruments(session, "demo", ["ARKK"])["ARKK"]


async def test_offline_tagger_leaves_unknown_symbol_unclassified(engine: Engine) -> None:
    seed(engine)
    job_id = _job(engine)
    recorder = EventRecorder(engine, job_id)

    outcome = await tag_symbol(engine, job_id, "demo", _arkk(engine), recorder)

    assert not outcome.classified
    assert "offline analyst" in outcome.reason
    arkk = _arkk(engine)
    assert not arkk.is_classified
    assert arkk.classification_source is None


async def test_invalid_answer_is_retried_then_stored(engine: Engine) -> None:
    seed(engine)
    job_id = _job(engine)
    invalid = dict(VALID, allocation_regions={"north_america": 80, "other": 5})
    model = ScriptedModel(
        [
            [
                assistant_message(
                    json.dumps({"known": True, "reason": "ETF", "classification": invalid})
                )
            ],
            [
                assistant_message(
                    json.dumps({"known": True, "reason": "ETF", "classification": VALID})
                )
            ],
        ]
    )

    outcome = await tag_symbol(
        engine, job_id, "demo", _arkk(engine), EventRecorder(engine, job_id), model=model
    )

    assert outcome.classified and outcome.attempts == 2
    model.assert_complete()
    # The second request carried the validation error back to the model.
    assert "sum to 100" in str(model.last_call.input)
    arkk = _arkk(engine)
    assert arkk.is_classified and arkk.classification_source == "tagger"
    assert arkk.allocation_regions == {"north_america": 95.0, "other": 5.0}
    with session_scope(engine) as session:
        events = [(e.agent, e.kind) for e in repo.list_events(session, job_id)]
    assert events == [
        ("tagger", "started"),
        ("tagger", "progress"),
        ("tagger", "completed"),
    ]
