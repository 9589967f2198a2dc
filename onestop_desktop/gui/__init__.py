"""Qt front end: the only package that imports PySide6 (windows come with issue #3)."""
