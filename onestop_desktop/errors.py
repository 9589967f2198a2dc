"""Error taxonomy shared by every front end.

- :class:`UserError` (and domain errors): bad input, shown inline, nothing written.
- :class:`EnvironmentFault`: the machine or network is at fault (DB locked, disk full, server
  unreachable): shown as a message with an action and logged.
- Anything else is a bug: crash report.
"""

from __future__ import annotations

from onestop_desktop.domain.errors import DomainError, TransitionError, ValidationError


class UserError(DomainError):
    """Bad input or a request that cannot be honoured; the message is for the user."""


class NotFoundError(UserError):
    """A code or identifier names nothing."""


class EnvironmentFault(Exception):
    """The environment failed (disk, database file, network); not the user's fault."""


__all__ = [
    "DomainError",
    "EnvironmentFault",
    "NotFoundError",
    "TransitionError",
    "UserError",
    "ValidationError",
]
