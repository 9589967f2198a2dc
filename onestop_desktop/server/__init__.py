"""ASGI server — comes with issue #4."""
