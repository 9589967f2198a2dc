"""Last-writer-wins per free field on (HLC, device): any arrival order gives the same dossier."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from onestop_desktop.domain.dossier import Event, EventType, is_superseded, reduce
from onestop_desktop.domain.hlc import Hlc

CREATED = Event(
    id="e0",
    dossier_id="d1",
    type=EventType.RECEIVED,
    payload={
        "code": "000.01.09.H24-260105-1001",
        "procedure_code": "1.004873",
        "office_code": "000.01.09.H24",
        "applicant_name": "Nguyễn Văn An",
        "received_at": "2026-01-05T02:00:00+00:00",
        "due_at": "2026-01-08T10:00:00+00:00",
    },
    occurred_at=datetime(2026, 1, 5, 2, tzinfo=UTC),
    user_id="u",
    device_id="dev-a",
    device_seq=1,
    hlc=Hlc(1_767_578_400_000, 0, "dev-a").pack(),
)


def _edit(i: int, field: str, value: str, wall: int, device: str) -> Event:
    return Event(
        id=f"e{i}",
        dossier_id="d1",
        type=EventType.FIELD_EDITED,
        payload={"field": field, "old": None, "new": value},
        occurred_at=datetime(2026, 1, 5, 3, tzinfo=UTC),
        user_id="u",
        device_id=device,
        device_seq=i + 1,
        hlc=Hlc(1_767_578_400_000 + wall, 0, device).pack(),
    )


edits = st.lists(
    st.tuples(
        st.sampled_from(["phone", "address", "email"]),
        st.text(alphabet="0123456789abc", min_size=1, max_size=4),
        st.integers(1, 50),
        st.sampled_from(["dev-a", "dev-b", "dev-c"]),
    ),
    min_size=1,
    max_size=12,
    unique_by=lambda e: (e[2], e[3]),  # one device never issues the same HLC twice
)


@given(edits, st.randoms(use_true_random=False))
def test_any_order_gives_the_latest_value_of_each_field(
    raw: list[tuple[str, str, int, str]], rnd: object
) -> None:
    events = [_edit(i, f, v, w, d) for i, (f, v, w, d) in enumerate(raw, start=1)]
    shuffled = list(events)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    states = []
    for order in (events, shuffled):
        state = reduce(None, CREATED)
        for ev in order:
            state = reduce(state, ev)
        states.append(state)
    assert states[0].phone == states[1].phone
    assert states[0].address == states[1].address
    assert states[0].email == states[1].email
    assert states[0].field_clock == states[1].field_clock
    for field in ("phone", "address", "email"):
        mine = [e for e in events if e.payload["field"] == field]
        if mine:
            winner = max(mine, key=lambda e: e.hlc)
            assert getattr(states[0], field) == winner.payload["new"]


def test_an_older_edit_is_superseded_and_changes_nothing() -> None:
    state = reduce(None, CREATED)
    newer = _edit(1, "phone", "0912000111", 20, "dev-b")
    older = _edit(2, "phone", "0988000222", 10, "dev-a")
    state = reduce(state, newer)
    assert is_superseded(state, older)
    assert reduce(state, older) == state
    # Same wall time: the device id breaks the tie, deterministically.
    tie_a = _edit(3, "address", "Số 1", 30, "dev-a")
    tie_b = _edit(4, "address", "Số 2", 30, "dev-b")
    ab = reduce(reduce(state, tie_a), tie_b)
    ba = reduce(reduce(state, tie_b), tie_a)
    assert ab.address == ba.address == "Số 2"
