"""Central server: FastAPI + SQLAlchemy 2, Alembic migrations, head-office console."""
