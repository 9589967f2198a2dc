"""Sync client (httpx) — comes with issue #4."""
