"""PDF forms (reportlab) — come with issue #3."""
