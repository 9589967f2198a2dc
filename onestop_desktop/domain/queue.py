"""The ticket queue's rules (DOMAIN.md §8): service groups, numbers, who is called next, the
estimated wait and what the voice says. Pure: no I/O, no clock of its own.

A ticket's number is the group's one-character prefix followed by the day's sequence of that
group, at least three digits: group "1" issues 1001, 1002, … (spoken digit by digit, "một không
không một"). Numbers restart every business day (Asia/Ho_Chi_Minh) — the day is the caller's
argument, derived from the instant at each call.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from onestop_desktop.domain.errors import ValidationError

__all__ = [
    "DEFAULT_GROUPS",
    "PriorityPolicy",
    "QueueConfig",
    "ServiceGroup",
    "Ticket",
    "TicketStatus",
    "announcement_clips",
    "announcement_text",
    "estimate_wait_minutes",
    "format_number",
    "pick_next",
    "spoken_number",
]


class TicketStatus(StrEnum):
    """Where a ticket is. ``waiting`` → ``called`` → ``done``; ``called`` ⇄ ``held``;
    ``called`` → ``no_show``; a transfer puts a called or held ticket back to ``waiting``."""

    WAITING = "waiting"
    CALLED = "called"
    HELD = "held"
    NO_SHOW = "no_show"
    DONE = "done"


OPEN_STATUSES = frozenset({TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.HELD})

STATUS_LABELS: Mapping[str, str] = {
    TicketStatus.WAITING: "Đang chờ",
    TicketStatus.CALLED: "Đang phục vụ",
    TicketStatus.HELD: "Tạm giữ",
    TicketStatus.NO_SHOW: "Vắng mặt",
    TicketStatus.DONE: "Đã xong",
}


class PriorityPolicy(StrEnum):
    """How priority tickets (elderly, disabled, pregnant) go ahead."""

    STRICT = "strict"  # every waiting priority ticket before any other
    INTERLEAVE = "interleave"  # one priority ticket per N calls of the others


@dataclass(frozen=True, slots=True)
class ServiceGroup:
    """A kiosk button: a group of procedure fields with its ticket prefix."""

    code: str
    name: str
    prefix: str
    fields: tuple[str, ...] = ()


DEFAULT_GROUPS: tuple[ServiceGroup, ...] = (
    ServiceGroup("ho_tich", "Hộ tịch", "1", ("Hộ tịch",)),
    ServiceGroup("chung_thuc", "Chứng thực", "2", ("Chứng thực",)),
    ServiceGroup("dat_dai_xay_dung", "Đất đai – Xây dựng", "3", ("Đất đai", "Xây dựng")),
    ServiceGroup("bao_tro_xa_hoi", "Bảo trợ xã hội", "4", ("Bảo trợ xã hội",)),
    ServiceGroup("ho_kinh_doanh", "Hộ kinh doanh", "5", ("Hộ kinh doanh",)),
    ServiceGroup("khac", "Lĩnh vực khác", "6", ("Cư trú",)),
)


@dataclass(frozen=True, slots=True)
class QueueConfig:
    """An office's queue settings (stored as JSON; see :meth:`from_json`)."""

    groups: tuple[ServiceGroup, ...] = DEFAULT_GROUPS
    policy: PriorityPolicy = PriorityPolicy.STRICT
    interleave_every: int = 3  # INTERLEAVE: one priority ticket after this many others
    counters: Mapping[int, tuple[str, ...]] = field(default_factory=dict)  # {} = all groups
    service_minutes: int = 5  # the estimate's service time before the day has its own figures
    self_declared_priority: bool = True  # the kiosk shows the priority button

    def __post_init__(self) -> None:
        prefixes = [g.prefix for g in self.groups]
        codes = [g.code for g in self.groups]
        if not self.groups:
            raise ValidationError("groups", "Cần ít nhất một nhóm dịch vụ.")
        for g in self.groups:
            if len(g.prefix) != 1 or not (g.prefix.isascii() and g.prefix.isalnum()):
                raise ValidationError(
                    "prefix",
                    f"Tiền tố của nhóm '{g.name}' phải là một chữ số hoặc một chữ cái không dấu "
                    "(0–9, A–Z).",
                )
        if len(set(prefixes)) != len(prefixes) or len(set(codes)) != len(codes):
            raise ValidationError("groups", "Mã nhóm và tiền tố không được trùng nhau.")
        if self.interleave_every < 1:
            raise ValidationError("interleave_every", "Số lượt xen kẽ phải từ 1 trở lên.")
        for counter, wanted in self.counters.items():
            unknown = set(wanted) - set(codes)
            if unknown:
                raise ValidationError(
                    "counters",
                    f"Quầy {counter}: nhóm không có trong cấu hình: {', '.join(sorted(unknown))}.",
                )

    def group(self, code: str) -> ServiceGroup:
        """The group of a code; ValidationError naming it when unknown."""
        for g in self.groups:
            if g.code == code:
                return g
        known = ", ".join(f"{g.code} ({g.name})" for g in self.groups)
        raise ValidationError("service", f"Không có nhóm dịch vụ '{code}'; các nhóm: {known}.")

    def groups_of(self, counter: int) -> tuple[str, ...]:
        """The group codes a counter serves (every group unless configured)."""
        return tuple(self.counters.get(counter) or (g.code for g in self.groups))

    def group_for_field(self, field_name: str) -> ServiceGroup | None:
        """The group a procedure field belongs to."""
        for g in self.groups:
            if field_name in g.fields:
                return g
        return None

    def to_json(self) -> str:
        """The stored form."""
        return json.dumps(
            {
                "groups": [
                    {"code": g.code, "name": g.name, "prefix": g.prefix, "fields": list(g.fields)}
                    for g in self.groups
                ],
                "policy": self.policy.value,
                "interleave_every": self.interleave_every,
                "counters": {str(k): list(v) for k, v in sorted(self.counters.items())},
                "service_minutes": self.service_minutes,
                "self_declared_priority": self.self_declared_priority,
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> QueueConfig:
        """Read the stored form; ValidationError naming the field on bad input."""
        try:
            raw: dict[str, Any] = json.loads(text)
            groups = (
                tuple(
                    ServiceGroup(
                        str(g["code"]), str(g["name"]), str(g["prefix"]), tuple(g.get("fields", ()))
                    )
                    for g in raw.get("groups", [])
                )
                or DEFAULT_GROUPS
            )
            counters = {int(k): tuple(v) for k, v in dict(raw.get("counters", {})).items()}
            return cls(
                groups=groups,
                policy=PriorityPolicy(raw.get("policy", "strict")),
                interleave_every=int(raw.get("interleave_every", 3)),
                counters=counters,
                service_minutes=int(raw.get("service_minutes", 5)),
                self_declared_priority=bool(raw.get("self_declared_priority", True)),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValidationError("queue", f"Cấu hình hàng chờ không hợp lệ: {exc}") from exc

    def with_counter_groups(self, counter: int, groups: Iterable[str]) -> QueueConfig:
        """A copy where ``counter`` serves ``groups`` (empty: every group)."""
        counters = dict(self.counters)
        chosen = tuple(groups)
        if chosen:
            counters[counter] = chosen
        else:
            counters.pop(counter, None)
        return replace(self, counters=counters)


@dataclass(frozen=True, slots=True)
class Ticket:
    """One ticket as every front end sees it (plain data; JSON-able with :meth:`to_json`)."""

    id: str
    office_code: str
    day: date
    group_code: str
    group_name: str
    prefix: str
    seq: int
    number: str
    priority: bool
    status: str
    issued_at: datetime
    called_at: datetime | None = None
    finished_at: datetime | None = None
    counter: int | None = None  # the counter serving it (or that last served it)
    clerk: str | None = None  # the clerk's username at that counter
    target_counter: int | None = None  # transferred to this counter only
    dossier_id: str | None = None
    recalls: int = 0
    transfers: int = 0
    rev: int = 0  # the office's change number of its last change
    origin: str = "server"  # "server" (the shared queue) or "local" (a walk-in served offline)
    people_ahead: int | None = None  # set when issued
    wait_minutes: int | None = None  # estimated wait when issued

    def to_json(self) -> dict[str, Any]:
        """A JSON object (ISO instants, ISO day)."""

        def iso(v: datetime | None) -> str | None:
            return v.isoformat() if v else None

        return {
            "id": self.id,
            "office_code": self.office_code,
            "day": self.day.isoformat(),
            "group": self.group_code,
            "group_name": self.group_name,
            "prefix": self.prefix,
            "seq": self.seq,
            "number": self.number,
            "priority": self.priority,
            "status": self.status,
            "issued_at": iso(self.issued_at),
            "called_at": iso(self.called_at),
            "finished_at": iso(self.finished_at),
            "counter": self.counter,
            "clerk": self.clerk,
            "target_counter": self.target_counter,
            "dossier_id": self.dossier_id,
            "recalls": self.recalls,
            "transfers": self.transfers,
            "rev": self.rev,
            "origin": self.origin,
            "people_ahead": self.people_ahead,
            "wait_minutes": self.wait_minutes,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Ticket:
        """The inverse of :meth:`to_json`."""

        def inst(v: object) -> datetime | None:
            return datetime.fromisoformat(str(v)) if v else None

        issued = datetime.fromisoformat(str(raw["issued_at"]))
        return cls(
            id=str(raw["id"]),
            office_code=str(raw["office_code"]),
            day=date.fromisoformat(str(raw["day"])),
            group_code=str(raw["group"]),
            group_name=str(raw.get("group_name", "")),
            prefix=str(raw["prefix"]),
            seq=int(raw["seq"]),
            number=str(raw["number"]),
            priority=bool(raw["priority"]),
            status=str(raw["status"]),
            issued_at=issued,
            called_at=inst(raw.get("called_at")),
            finished_at=inst(raw.get("finished_at")),
            counter=_opt_int(raw.get("counter")),
            clerk=raw.get("clerk"),
            target_counter=_opt_int(raw.get("target_counter")),
            dossier_id=raw.get("dossier_id"),
            recalls=int(raw.get("recalls", 0)),
            transfers=int(raw.get("transfers", 0)),
            rev=int(raw.get("rev", 0)),
            origin=str(raw.get("origin", "server")),
            people_ahead=_opt_int(raw.get("people_ahead")),
            wait_minutes=_opt_int(raw.get("wait_minutes")),
        )


def _opt_int(v: object) -> int | None:
    return None if v is None else int(str(v))


def format_number(prefix: str, seq: int) -> str:
    """The printed and spoken number: prefix + the day's sequence, at least three digits."""
    return f"{prefix}{seq:03d}"


def pick_next(
    waiting: Sequence[Ticket],
    *,
    counter: int,
    groups: Iterable[str],
    policy: PriorityPolicy,
    interleave_every: int,
    others_since_priority: int,
) -> Ticket | None:
    """The ticket ``counter`` calls next among ``waiting`` (in issue order).

    A ticket transferred to this counter comes first; then, within the counter's groups and
    tickets not reserved for another counter, priority per ``policy`` (``others_since_priority``
    counts the office's calls of ordinary tickets since its last priority call), then the
    earliest issued.
    """
    wanted = set(groups)
    mine = [t for t in waiting if t.status == TicketStatus.WAITING and t.target_counter == counter]
    if mine:
        return min(mine, key=_order)
    open_ = [
        t
        for t in waiting
        if t.status == TicketStatus.WAITING and t.target_counter is None and t.group_code in wanted
    ]
    if not open_:
        return None
    prio = [t for t in open_ if t.priority]
    if prio and (policy == PriorityPolicy.STRICT or others_since_priority >= interleave_every):
        return min(prio, key=_order)
    ordinary = [t for t in open_ if not t.priority]
    return min(ordinary or prio, key=_order)


def _order(t: Ticket) -> tuple[datetime, str]:
    return (t.issued_at, t.number)


def estimate_wait_minutes(people_ahead: int, service_seconds: float, counters: int) -> int:
    """Minutes until a new ticket is called: the people ahead share the group's counters."""
    if people_ahead <= 0:
        return 0
    per_person = max(service_seconds, 60.0)
    return max(1, round(people_ahead * per_person / max(counters, 1) / 60))


_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")


def spoken_number(n: int) -> list[str]:
    """A counter number (1–99) as Vietnamese words: 3 → ["ba"], 15 → ["mười", "lăm"],
    21 → ["hai", "mươi", "mốt"], 24 → ["hai", "mươi", "tư"], 10 → ["mười"]."""
    if not 0 <= n <= 99:
        return [_DIGITS[int(c)] for c in str(abs(n))]
    if n < 10:
        return [_DIGITS[n]]
    tens, unit = divmod(n, 10)
    words = ["mười"] if tens == 1 else [_DIGITS[tens], "mươi"]
    if unit == 0:
        return words
    if unit == 5:
        return [*words, "lăm"]
    if unit == 1 and tens > 1:
        return [*words, "mốt"]
    if unit == 4 and tens > 1:
        return [*words, "tư"]
    return [*words, _DIGITS[unit]]


def announcement_text(number: str, counter: int) -> str:
    """What the display says: 'Mời công dân có số thứ tự 1023 đến quầy số 3'."""
    return f"Mời công dân có số thứ tự {number} đến quầy số {counter}"


def announcement_clips(number: str, counter: int) -> list[str]:
    """The recorded clips that say :func:`announcement_text`, in order: a chime, the phrase,
    the number digit by digit (a letter prefix by its name), 'đến quầy số', the counter."""
    clips = ["chime", "moi_cong_dan"]
    for ch in number:
        clips.append(f"digit_{ch}" if ch.isdigit() else f"letter_{ch.lower()}")
    clips.append("den_quay_so")
    clips.extend(_CLIP_OF_WORD[w] for w in spoken_number(counter))
    return clips


_CLIP_OF_WORD: Mapping[str, str] = {
    **{w: f"digit_{i}" for i, w in enumerate(_DIGITS)},
    "mười": "word_muoi_10",
    "mươi": "word_muoi",
    "mốt": "word_mot",
    "lăm": "word_lam",
    "tư": "word_tu",
}
