"""Dialogs shared by the pages (opened with ``open()``, never ``exec()``)."""
