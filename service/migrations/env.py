"""Alembic environment: the URL comes from the caller (`service.migrate`) or IPCASE_DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from service.assessment import models as _assessment_tables  # noqa: F401
from service.assistance import models as _assistance_tables  # noqa: F401
from service.bulletins import models as _bulletins_tables  # noqa: F401
from service.campaigns import models as _campaigns_tables  # noqa: F401
from service.casefile import models as _casefile_tables  # noqa: F401
from service.cases import models as _cases_tables  # noqa: F401
from service.core.config import get_settings
from service.core.models import Base
from service.credit import models as _credit_tables  # noqa: F401
from service.deadlines import models as _deadlines_tables  # noqa: F401
from service.documents import models as _documents_tables  # noqa: F401
from service.handoffs import models as _handoffs_tables  # noqa: F401
from service.oversight import models as _oversight_tables  # noqa: F401
from service.reports import models as _reports_tables  # noqa: F401

config = context.config
target_metadata = Base.metadata  # with every domain's tables imported above: the whole schema


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=connection.dialect.name == "sqlite"
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = create_engine(url)
    with engine.connect() as conn:
        context.configure(
            connection=conn, target_metadata=target_metadata, render_as_batch=conn.dialect.name == "sqlite"
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url") or get_settings().database_url,
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
