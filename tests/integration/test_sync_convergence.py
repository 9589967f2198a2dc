"""Convergence of offline work under sync faults (hypothesis stateful) + faults 10, 11, 28.

Four enrolled workstations — two counters of one ward (``A1``, ``A2``: they conflict on the
same dossiers), one of another ward (``B1``) and one of the district office (``D``, whose scope
spans both wards) — each with its own skewed clock, do random offline work (intake, status
changes, field edits, CSV imports) and sync in random order through a fault-injecting transport
(connection refused, reply lost after the server's COMMIT, request delivered twice), against
the REAL server app in-process (tests/integration/_inproc.py) on a SQLite file; the server is
also "restarted" (new epoch). Whatever happened, after syncing everyone with the faults off:

(a) every node holds the same dossier rows as the server for its scope, column by column
    (``EXCLUDED_COLUMNS`` is empty: the projection is reduced in server order everywhere, so
    even ``version`` and ``updated_at`` agree — see ``compare_projection``);
(b) every event a node holds with a server sequence exists once on the server with that
    sequence and disposition; every event a node authored is on the server; each node holds
    exactly the server's events of its scope plus its own;
(c) the server sequence is gapless 1..N;
(d) nothing is left pending, and one more round moves nothing.

Per step: pull cursors and acknowledged sequences never move back, a confirmed event keeps its
server sequence, the server sequence stays gapless.

Every example starts from copies of one enrolled cluster (``ClusterTemplate``: the server
database and four workstations enrolled once through the real token + HTTP enrollment), and
from one dossier per ward that every node of its scope already holds, so that conflicts are
common. Checked to fail when pull stops rebasing/rebuilding, applies rejected events, or skips
a sequence (the ``no LWW`` mutant survives here: convergence comes from server order; LWW
itself is what fault 11's test checks).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from onestop_desktop.domain.dossier import TRANSITIONS, Status
from onestop_desktop.domain.errors import DomainError
from onestop_desktop.errors import UserError
from onestop_desktop.services.context import Workstation
from onestop_desktop.services.dossiers import IntakeRequest, advance, edit_field, intake
from onestop_desktop.services.enrollment_client import SECRET_SUFFIX
from onestop_desktop.services.importer import import_dossiers
from onestop_desktop.services.server_setup import prepare_server, renew_epoch
from onestop_desktop.services.sync_handshake import EpochChangedError
from onestop_desktop.services.sync_pull import PULL_CURSOR, pull_all
from onestop_desktop.services.sync_push import push_pending
from onestop_desktop.services.sync_round import sync_round, sync_status
from onestop_desktop.store import repo
from onestop_desktop.store.db import Database
from onestop_desktop.sync.client import ServerUnreachable, SyncClient
from tests.conftest import DEFAULT_NOW, FixedClock, copy_db
from tests.integration._inproc import FAULTS, FaultTransport, InProcServer

WARD = "000.01.09.H24"  # ward Nhân Chính
OTHER = "000.02.09.H24"  # ward Thượng Đình
DISTRICT = "000.00.09.H24"  # district Thanh Xuân: its scope spans both wards
PROCEDURE = "1.004873"

#: (name, office, clock skew from DEFAULT_NOW)
NODES = (
    ("A1", WARD, timedelta(0)),
    ("A2", WARD, timedelta(minutes=3)),
    ("B1", OTHER, timedelta(minutes=-4)),
    ("D", DISTRICT, timedelta(minutes=7)),
)

#: Projection columns that may legitimately differ between nodes. None: every node reduces a
#: dossier's events in server order (pull applies pages in order, and rebuilds a dossier whose
#: local events were out of server order), skipping the rejected ones exactly as the server
#: did, so even ``version`` (applied events) and ``updated_at`` (time of the last applied
#: event) agree. Superseded field edits change nothing anywhere (the reducer is LWW).
EXCLUDED_COLUMNS: frozenset[str] = frozenset()

#: What the examples exercised (printed by the stateful test; see it with ``pytest -s``).
STATS: Counter[str] = Counter()

#: What a sync step may fail with while faults are on (the round stops; nothing is lost).
TOLERATED = (ServerUnreachable, EpochChangedError)

NAMES = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung")
EDITS: dict[str, tuple[str | None, ...]] = {
    "phone": ("0912345678", "0987654321", "0901234567", None),
    "address": ("Số 1 Lê Văn Lương", "Số 9 Khương Hạ", None),
    "email": ("an@example.vn", "binh@example.vn", None),
    "note": ("Bổ sung bản sao CCCD", "Đã gọi điện cho công dân", None),
    "applicant_name": NAMES,
}
IMPORT_HEADER = (
    "code,procedure_code,office_code,applicant_name,id_number,phone,channel,"
    "received_at,due_at,resolved_at,returned_at\n"
)


# --------------------------------------------------------------------------- the cluster


@dataclass
class Node:
    """One enrolled workstation with its own clock and its own faulty link to the server."""

    name: str
    office: str
    path: Path
    clock: FixedClock
    ws: Workstation
    transport: FaultTransport
    client: SyncClient
    device_id: str
    scope: tuple[str, ...]
    cursor: int = 0
    acked: int = 0
    confirmed: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ClusterTemplate:
    """A server and the ``NODES`` workstations enrolled with it once, through the real
    enrollment (server token + ``enroll_workstation`` over HTTP); clusters copy the files."""

    folder: Path
    devices: dict[str, tuple[str, tuple[str, ...]]]  # name → (device id, scope)

    @classmethod
    def build(cls, folder: Path, ws_template: Path, server_template: Path) -> ClusterTemplate:
        devices = {}
        with InProcServer(copy_db(server_template, folder / "server.db")) as server:
            for name, office, _skew in NODES:
                ws = Workstation(
                    Database.open(copy_db(ws_template, folder / f"{name}.db")),
                    clock=FixedClock(),
                    username="tester",
                )
                try:
                    device_id = server.enroll(ws, office, f"Máy {name}")
                    with server.client(ws) as client:
                        devices[name] = (device_id, tuple(client.whoami()["scope"]))
                finally:
                    ws.db.dispose()
        return cls(folder, devices)


class Cluster:
    """A server (in-process, SQLite file) and the enrolled workstations of ``NODES``."""

    def __init__(self, folder: Path, template: ClusterTemplate) -> None:
        self.folder = folder
        self.server = InProcServer(copy_db(template.folder / "server.db", folder / "server.db"))
        self.nodes: list[Node] = []
        try:
            for name, office, skew in NODES:
                path = copy_db(template.folder / f"{name}.db", folder / f"{name}.db")
                secret = template.folder / f"{name}.db{SECRET_SUFFIX}"
                shutil.copyfile(secret, folder / secret.name)
                clock = FixedClock(DEFAULT_NOW + skew)
                ws = Workstation(Database.open(path), clock=clock, username="tester")
                transport = self.server.fault_transport()
                client = self.server.client(ws, transport)
                device_id, scope = template.devices[name]
                self.nodes.append(
                    Node(name, office, path, clock, ws, transport, client, device_id, scope)
                )
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        for node in self.nodes:
            node.client.close()
            node.ws.db.dispose()
        self.server.close()

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    def settle(self, rounds: int = 2) -> None:
        """Faults off; push all, then pull all (after a handshake, as a round does), twice."""
        for node in self.nodes:
            node.transport.disarm()
        for _ in range(rounds):
            for node in self.nodes:
                sync_round(node.ws, node.client)  # handshake (new epoch?) + push + pull
            for node in self.nodes:
                pull_all(node.ws, node.client)


def rows(path: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.execute(sql, params))
    finally:
        conn.close()


def dossier_rows(path: Path, scope: tuple[str, ...] | None = None) -> dict[str, dict[str, Any]]:
    """The projection rows (by id) with every compared column, optionally within a scope."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        out = {}
        for r in conn.execute("SELECT * FROM dossiers ORDER BY id"):
            if scope is None or r["office_code"] in scope:
                out[r["id"]] = {k: r[k] for k in r.keys() if k not in EXCLUDED_COLUMNS}  # noqa: SIM118
        return out
    finally:
        conn.close()


def server_events(path: Path) -> dict[str, tuple[int, str, str, str]]:
    """Server events: id → (server_seq, disposition, device_id, dossier_id)."""
    return {
        r[0]: (r[1], r[2], r[3], r[4])
        for r in rows(path, "SELECT id, server_seq, disposition, device_id, dossier_id FROM events")
    }


def compare_projection(cluster: Cluster) -> None:
    """(a) Every node's dossiers == the server's within the node's scope, field by field."""
    server_path = cluster.server.db_path
    for node in cluster.nodes:
        mine = dossier_rows(node.path)
        expected = dossier_rows(server_path, node.scope)
        assert set(mine) == set(expected), f"{node.name}: dossier set differs from the server's"
        for dossier_id, row in expected.items():
            diff = {k: (mine[dossier_id][k], v) for k, v in row.items() if mine[dossier_id][k] != v}
            assert not diff, f"{node.name}: dossier {row['code']} differs (node, server): {diff}"


def check_converged(cluster: Cluster) -> None:
    """Invariants (a)-(d) of the module docstring (call after ``settle``)."""
    server_path = cluster.server.db_path
    on_server = server_events(server_path)
    # (c) gapless server sequence
    seqs = sorted(v[0] for v in on_server.values())
    assert seqs == list(range(1, len(seqs) + 1)), f"server_seq not gapless: {seqs}"
    in_scope_dossiers = {
        r[0]: r[1] for r in rows(server_path, "SELECT id, office_code FROM dossiers")
    }
    for node in cluster.nodes:
        local = {
            r[0]: (r[1], r[2], r[3])
            for r in rows(node.path, "SELECT id, server_seq, disposition, device_id FROM events")
        }
        # (d) nothing pending
        pending = [i for i, (seq, _d, _dev) in local.items() if seq is None]
        assert not pending, f"{node.name}: {len(pending)} events still pending"
        assert sync_status(node.ws).pending == 0, node.name
        # (b) confirmed events are the server's, same sequence and disposition; nothing lost
        for event_id, (seq, disposition, device) in local.items():
            assert event_id in on_server, f"{node.name}: event {event_id} missing on the server"
            s_seq, s_disp, s_dev, _d = on_server[event_id]
            assert (seq, disposition, device) == (s_seq, s_disp, s_dev), (
                f"{node.name}: event {event_id} is {(seq, disposition)} here, "
                f"{(s_seq, s_disp)} on the server"
            )
        expected = {
            i
            for i, (_s, _disp, dev, dossier) in on_server.items()
            if dev == node.device_id or in_scope_dossiers.get(dossier) in node.scope
        }
        assert set(local) == expected, (
            f"{node.name}: holds {len(set(local) - expected)} events it should not and lacks "
            f"{len(expected - set(local))}"
        )
    # (a) same projection for every scope
    compare_projection(cluster)
    # (d) quiescent: one more round moves nothing
    for node in cluster.nodes:
        res = sync_round(node.ws, node.client)
        assert (res.pushed, res.pulled) == (0, 0), f"{node.name}: not quiescent: {res}"


# --------------------------------------------------------------------------- templates


@pytest.fixture(scope="module")
def cluster_template(
    template_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> ClusterTemplate:
    """The enrolled cluster every test and example starts from (a migrated server database
    with bundled data, four workstations enrolled with it)."""
    folder = tmp_path_factory.mktemp("cluster-template")
    server_db = folder / "server-template.db"
    db = Database.open(str(server_db))
    try:
        prepare_server(db)
    finally:
        db.dispose()
    return ClusterTemplate.build(folder, template_db, server_db)


@pytest.fixture
def cluster(tmp_path: Path, cluster_template: ClusterTemplate) -> Iterator[Cluster]:
    c = Cluster(tmp_path, cluster_template)
    try:
        yield c
    finally:
        c.close()


# --------------------------------------------------------------------------- the machine


def _codes(node: Node) -> list[str]:
    return [r[0] for r in rows(node.path, "SELECT code FROM dossiers ORDER BY code")]


def _setting(node: Node, key: str) -> int:
    got = rows(node.path, "SELECT value FROM settings WHERE key = ?", key)
    return int(got[0][0]) if got and got[0][0] else 0


#: Examples of the stateful test (``ONESTOP_CONVERGENCE_EXAMPLES`` for a longer hunt).
EXAMPLES = int(os.environ.get("ONESTOP_CONVERGENCE_EXAMPLES", "25"))
node_index = st.integers(min_value=0, max_value=len(NODES) - 1)
pick = st.integers(min_value=0, max_value=1000)
fault_plan = st.lists(st.sampled_from((None, None, None, None, *FAULTS)), max_size=6)
modes = st.sampled_from(("round", "round", "push", "pull"))
minutes = st.integers(min_value=0, max_value=120)  # each rule moves its node's clock on
phones = st.sampled_from(EDITS["phone"])


class ConvergenceMachine(RuleBasedStateMachine):
    """Random offline work and faulty syncs on four workstations; see the module docstring."""

    template: ClassVar[ClusterTemplate]

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="onestop-conv-"))
        self.cluster = Cluster(self.folder, self.template)
        self.healthy = True  # False while a step runs: a failed step skips the final check

    def teardown(self) -> None:
        try:
            if self.healthy:
                self.cluster.settle()
                check_converged(self.cluster)
                self._statistics()
        finally:
            self.cluster.close()
            shutil.rmtree(self.folder, ignore_errors=True)

    def _statistics(self) -> None:
        """What the example exercised (printed by the test)."""
        on_server = server_events(self.cluster.server.db_path)
        STATS["examples"] += 1
        STATS[f"examples with {len(on_server) // 10 * 10}+ events on the server"] += 1
        for disposition in sorted({d for _s, d, _dev, _dos in on_server.values()}):
            STATS[f"examples with a final disposition: {disposition}"] += 1
        for node in self.cluster.nodes:
            for fault, n in node.transport.injected.items():
                STATS[f"faults injected: {fault}"] += n

    def _node(self, i: int, minutes: int = 0) -> Node:
        node = self.cluster.nodes[i]
        node.clock.now += timedelta(minutes=minutes)
        return node

    # ------------------------------------------------------------------ offline work

    @initialize()
    def seed(self) -> None:
        """Start from a dossier of each ward that every node of its scope holds (to conflict
        on), synced without faults."""
        for node in self.cluster.nodes[::2]:  # A1 (ward), B1 (other ward)
            intake(node.ws, IntakeRequest(PROCEDURE, NAMES[0], id_number="001090012345"))
        self.cluster.settle(rounds=1)

    @rule(i=node_index, minutes=minutes, name=st.sampled_from(NAMES), phone=phones)
    def receive(self, i: int, minutes: int, name: str, phone: str | None) -> None:
        node = self._node(i, minutes)
        intake(node.ws, IntakeRequest(PROCEDURE, name, phone=phone, id_number="001090012345"))

    def _status_change(self, node: Node, code: str, choice: int) -> None:
        got = rows(node.path, "SELECT status FROM dossiers WHERE code = ?", code)
        targets = sorted(TRANSITIONS[Status(got[0][0])]) if got else []
        if not targets:
            return
        target = targets[choice % len(targets)]
        try:
            advance(node.ws, code, target, reason=f"Lý do của {node.name}", collected_by=NAMES[1])
            STATS[f"status changes to {target.value}"] += 1
        except DomainError:
            STATS["status changes refused locally"] += 1  # e.g. this clock is behind

    def _edit(self, node: Node, code: str, name: str, choice: int) -> None:
        values = EDITS[name]
        try:
            edit_field(node.ws, code, name, values[choice % len(values)])
            STATS["field edits"] += 1
        except UserError:
            pass  # the same value as now: nothing to record

    @rule(i=node_index, minutes=minutes, which=pick, choice=pick)
    def change_status(self, i: int, minutes: int, which: int, choice: int) -> None:
        node = self._node(i, minutes)
        codes = _codes(node)
        if codes:
            self._status_change(node, codes[which % len(codes)], choice)

    @rule(
        i=node_index, minutes=minutes, which=pick, name=st.sampled_from(sorted(EDITS)), choice=pick
    )
    def edit(self, i: int, minutes: int, which: int, name: str, choice: int) -> None:
        node = self._node(i, minutes)
        codes = _codes(node)
        if codes:
            self._edit(node, codes[which % len(codes)], name, choice)

    @rule(
        pair=st.permutations(range(len(NODES))),
        which=pick,
        choices=st.tuples(pick, pick),
        name=st.sampled_from(sorted(EDITS)),
        status=st.booleans(),
    )
    def concurrent(
        self, pair: list[int], which: int, choices: tuple[int, int], name: str, status: bool
    ) -> None:
        """Two nodes change the same dossier (status, or one field) before either syncs."""
        first, second = (self.cluster.nodes[k] for k in pair[:2])
        shared = sorted(set(_codes(first)) & set(_codes(second)))
        if not shared:
            return
        code = shared[which % len(shared)]
        for node, choice in zip((first, second), choices, strict=True):
            if status:
                self._status_change(node, code, choice)
            else:
                self._edit(node, code, name, choice)

    @rule(
        i=node_index, minutes=minutes, n=st.integers(min_value=1, max_value=3), done=st.booleans()
    )
    def import_csv(self, i: int, minutes: int, n: int, done: bool) -> None:
        node = self._node(i, minutes)
        received = node.clock.now - timedelta(days=1)
        resolved = (received + timedelta(hours=2)).isoformat() if done else ""
        lines = [
            f",{PROCEDURE},,{NAMES[k % len(NAMES)]},,,direct,{received.isoformat()},,{resolved},\n"
            for k in range(n)
        ]
        path = self.folder / f"import-{node.name}.csv"
        path.write_text(IMPORT_HEADER + "".join(lines), encoding="utf-8")
        import_dossiers(node.ws, path)

    # ------------------------------------------------------------------ sync

    def _sync(self, node: Node, mode: str, faults: list[str | None]) -> None:
        node.transport.arm(faults)
        try:
            if mode == "round":
                sync_round(node.ws, node.client)
            elif mode == "push":
                push_pending(node.ws, node.client)
            else:
                pull_all(node.ws, node.client, page=3)  # small pages: several per pull
            STATS[f"{mode}: completed"] += 1
        except TOLERATED as exc:
            STATS[f"{mode}: stopped by {type(exc).__name__}"] += 1
        finally:
            node.transport.disarm()

    @rule(i=node_index, mode=modes, faults=fault_plan)
    def sync(self, i: int, mode: str, faults: list[str | None]) -> None:
        self._sync(self.cluster.nodes[i], mode, faults)

    @rule(
        order=st.permutations(range(len(NODES))),
        plans=st.lists(st.tuples(modes, fault_plan), min_size=len(NODES), max_size=len(NODES)),
    )
    def sync_many(self, order: list[int], plans: list[tuple[str, list[str | None]]]) -> None:
        for i, (mode, faults) in zip(order, plans, strict=True):
            self._sync(self.cluster.nodes[i], mode, faults)

    @rule()
    def server_restart(self) -> None:
        """What a server restart does to the database: a new epoch, based on what it holds."""
        renew_epoch(self.cluster.server.db)

    # ------------------------------------------------------------------ cheap invariants

    @invariant()
    def nothing_moves_back(self) -> None:
        self.healthy = False
        for node in self.cluster.nodes:
            cursor = _setting(node, PULL_CURSOR)
            acked = _setting(node, repo.ACKED_DEVICE_SEQ)
            assert cursor >= node.cursor, f"{node.name}: pull cursor {node.cursor} → {cursor}"
            assert acked >= node.acked, f"{node.name}: acked seq {node.acked} → {acked}"
            node.cursor, node.acked = cursor, acked
            seqs = dict(rows(node.path, "SELECT id, server_seq FROM events"))
            for event_id, seq in node.confirmed.items():
                assert seqs.get(event_id) == seq, (
                    f"{node.name}: event {event_id} had server_seq {seq}, now {seqs.get(event_id)}"
                )
            node.confirmed = {k: v for k, v in seqs.items() if v is not None}
        got = [r[0] for r in rows(self.cluster.server.db_path, "SELECT server_seq FROM events")]
        assert sorted(got) == list(range(1, len(got) + 1)), "server_seq not gapless"
        self.healthy = True


@pytest.mark.slow
def test_offline_work_with_faults_always_converges(cluster_template: ClusterTemplate) -> None:
    ConvergenceMachine.template = cluster_template
    STATS.clear()
    run_state_machine_as_test(
        ConvergenceMachine,
        settings=settings(max_examples=EXAMPLES, stateful_step_count=30, deadline=None),
    )
    print("\n".join(f"{n:5d}  {what}" for what, n in sorted(STATS.items())))  # noqa: T201
    # The machine did exercise what it is about (else it proves nothing).
    assert STATS["faults injected: lose"]
    assert STATS["faults injected: refuse"]
    assert STATS["faults injected: duplicate"]
    assert STATS["examples with a final disposition: rejected:conflict"]


# --------------------------------------------------------------------------- faults 10, 11, 28


def _intake(node: Node, name: str, id_number: str | None = None) -> str:
    return intake(node.ws, IntakeRequest(PROCEDURE, name, id_number=id_number)).code


def _event_dispositions(path: Path, dossier_code: str, type_: str) -> list[tuple[str, str]]:
    """(device_id, disposition) of a dossier's events of one type, in server order."""
    return [
        (r[0], r[1])
        for r in rows(
            path,
            "SELECT e.device_id, e.disposition FROM events e JOIN dossiers d "
            "ON d.id = e.dossier_id WHERE d.code = ? AND e.type = ? ORDER BY e.server_seq",
            dossier_code,
            type_,
        )
    ]


def test_fault_10_incompatible_offline_status_changes(cluster: Cluster) -> None:
    """Two counters of one office close one dossier differently while offline: the first in
    server order applies, the second is kept as rejected, and every node converges."""
    a1, a2 = cluster.node("A1"), cluster.node("A2")
    code = _intake(a1, "Lê Văn Cường")
    cluster.settle()
    advance(a1.ws, code, Status.WITHDRAWN, reason="Công dân xin rút hồ sơ")
    advance(a2.ws, code, Status.REFUSED, reason="Thiếu giấy tờ")
    assert sync_round(a2.ws, a2.client).rejected == 0  # A2 reaches the server first
    assert sync_round(a1.ws, a1.client).rejected == 1
    cluster.settle()
    check_converged(cluster)
    for path in (a1.path, a2.path, cluster.node("D").path, cluster.server.db_path):
        assert rows(path, "SELECT status FROM dossiers WHERE code = ?", code) == [("refused",)]
        got = _event_dispositions(path, code, "dossier.status_changed")
        assert [dev for dev, _d in got] == [a2.device_id, a1.device_id]
        assert got[0][1] == "applied"
        # rejected:transition is the name before the lead's rename to rejected:conflict
        assert got[1][1] in ("rejected:conflict", "rejected:transition")
    assert rows(cluster.node("B1").path, "SELECT count(*) FROM dossiers") == [(0,)]


@pytest.mark.parametrize("first", ["newer", "older"])
def test_fault_11_concurrent_phone_edits_last_writer_wins(cluster: Cluster, first: str) -> None:
    """Both counters correct one phone offline: the later edit on (HLC, device) wins on every
    node whichever reaches the server first; the losing value stays in the history."""
    a1, a2 = cluster.node("A1"), cluster.node("A2")
    code = _intake(a1, "Phạm Thị Dung")
    cluster.settle()
    edit_field(a1.ws, code, "phone", "0911111111")  # older (its HLC is earlier)
    edit_field(a2.ws, code, "phone", "0922222222")  # newer: the last writer
    order = (a2, a1) if first == "newer" else (a1, a2)
    for node in order:
        sync_round(node.ws, node.client)
    cluster.settle()
    check_converged(cluster)
    for node in cluster.nodes:
        if WARD in node.scope:
            assert rows(node.path, "SELECT phone FROM dossiers WHERE code = ?", code) == [
                ("0922222222",)
            ], node.name
    assert rows(cluster.server.db_path, "SELECT phone FROM dossiers") == [("0922222222",)]
    edits = _event_dispositions(cluster.server.db_path, code, "dossier.field_edited")
    older = "superseded" if first == "newer" else "applied"
    expected = (
        [(a2.device_id, "applied"), (a1.device_id, older)]
        if first == "newer"
        else [(a1.device_id, "applied"), (a2.device_id, "applied")]
    )
    assert edits == expected
    for node in (a1, a2):  # the losing value is kept in the history everywhere
        payloads = rows(node.path, "SELECT payload FROM events WHERE type = 'dossier.field_edited'")
        assert any("0911111111" in p[0] for p in payloads), node.name


def test_fault_28_same_citizen_same_procedure_at_two_offices(cluster: Cluster) -> None:
    """The same citizen files the same procedure at two wards while both are offline: both
    dossiers are kept (a possible duplicate is a human call, never a silent merge)."""
    a1, b1, d = cluster.node("A1"), cluster.node("B1"), cluster.node("D")
    in_a = _intake(a1, "Hoàng Văn Em", id_number="001090099999")
    in_b = _intake(b1, "Hoàng Văn Em", id_number="001090099999")
    cluster.settle()
    check_converged(cluster)
    server = rows(
        cluster.server.db_path,
        "SELECT code, office_code FROM dossiers WHERE id_number = '001090099999' ORDER BY code",
    )
    assert server == sorted([(in_a, WARD), (in_b, OTHER)])
    assert {r[0] for r in rows(d.path, "SELECT code FROM dossiers")} == {in_a, in_b}
    assert rows(a1.path, "SELECT code FROM dossiers") == [(in_a,)]
    assert rows(b1.path, "SELECT code FROM dossiers") == [(in_b,)]
    dispositions = {r[0] for r in rows(cluster.server.db_path, "SELECT disposition FROM events")}
    assert dispositions == {"applied"}


def test_district_intake_for_a_ward_gets_a_code_no_ward_device_uses(cluster: Cluster) -> None:
    """Codes are unique offline by construction (per-device slices) — also across offices."""
    a1, d = cluster.node("A1"), cluster.node("D")
    in_a = _intake(a1, "Nguyễn Văn An")
    in_d = intake(d.ws, IntakeRequest(PROCEDURE, "Trần Thị Bình", office_code=WARD)).code
    assert in_a != in_d
    cluster.settle()
    dispositions = {r[0] for r in rows(cluster.server.db_path, "SELECT disposition FROM events")}
    assert dispositions == {"applied"}
