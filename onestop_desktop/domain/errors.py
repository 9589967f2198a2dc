"""Errors raised by domain rules; messages are Vietnamese, shown to users as they are."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused the input. `str(err)` is a complete Vietnamese sentence."""


class ValidationError(DomainError):
    """One field's value breaks a rule.

    Args:
        field: machine name of the field (e.g. ``"id_number"``).
        message: Vietnamese message naming the field and the rule.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class TransitionError(DomainError):
    """A status change that the dossier's current status does not allow."""
