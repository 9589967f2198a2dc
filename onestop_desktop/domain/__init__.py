"""Pure domain rules: no I/O, no Qt, no SQLAlchemy (stdlib only)."""
