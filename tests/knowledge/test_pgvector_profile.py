"""The server profile end to end: the app's schema on a PostgreSQL with pgvector, keyword
search by PostgreSQL's text search, vectors in pgvector, the starter notes and the acceptance
query; reset drops the store's table too."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from alex.core.config import Settings
from alex.db.migrate import upgrade
from alex.db.seed import drop_everything
from alex.db.session import make_engine
from alex.doctor import check_knowledge
from alex.knowledge.factory import knowledge_base
from alex.knowledge.seed import seed_starter_notes

pytestmark = pytest.mark.postgres


@pytest.fixture
def app_url(pgvector_url: str) -> Iterator[str]:
    """A fresh, migrated database of the app on the pgvector server."""
    name = f"alex_kb_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pgvector_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(pgvector_url).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_starter_notes_on_pgvector_answer_the_acceptance_query(app_url: str) -> None:
    settings = Settings(database_url=app_url, vector_store="pgvector")
    engine: Engine = make_engine(app_url)
    kb = knowledge_base(settings, engine)
    assert kb.store.name == "pgvector"

    seed_starter_notes(kb)

    stats = kb.stats()
    assert stats["documents"] == 20 and stats["vectors"] == stats["passages"]
    first = kb.search("bond duration and rising rates", 3)[0]
    assert first.title == "Bond duration and rising interest rates"
    assert set(first.ranks) == {"keyword", "vector"}
    international = kb.search("is it enough to own only US stocks", 3, symbols=["VXUS"])
    assert international and all("VXUS" in p.symbols for p in international)
    assert check_knowledge(settings).status == "pass"

    kb.delete(uuid.UUID(first.document_id))
    titles = [p.title for p in kb.search("bond duration and rising rates", 5)]
    assert "Bond duration and rising interest rates" not in titles

    drop_everything(engine)
    assert not {"knowledge_vectors", "knowledge_chunks"} & set(inspect(engine).get_table_names())
    engine.dispose()
