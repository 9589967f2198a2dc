"""Persistence: SQLAlchemy models, engine, migrations, repositories, CSV readers."""
