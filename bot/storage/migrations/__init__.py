"""Alembic migrations of the storage schema (run by `bot.storage.schema.ensure_schema`)."""
