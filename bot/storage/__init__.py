"""Persistence of users, interview sessions, turns and grades (SQLAlchemy 2, schema managed by Alembic)."""
