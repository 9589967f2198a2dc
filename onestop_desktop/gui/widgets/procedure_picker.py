"""Choose a procedure by typing part of its code or name, with or without diacritics.

A controller over a plain ``QLineEdit`` (so the form stays in Qt Designer): as the clerk types,
a list of matches drops down over the page, best first; Up/Down move in it, Enter picks, Escape
closes it. The list is a child widget, not a popup window, so the keyboard never leaves the line
edit — a scanner or a fast typist loses no keystrokes, and tests drive it like a user does.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, QStringListModel, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QListView, QWidget

from onestop_desktop.domain.catalog import Procedure
from onestop_desktop.services.intake_support import search_procedures

VISIBLE_ROWS = 8
MIN_LIST_WIDTH = 420


def procedure_text(proc: Procedure) -> str:
    """How a chosen procedure reads in the line edit."""
    return f"{proc.code} — {proc.name}"


def _list_text(proc: Procedure) -> str:
    return f"{proc.code} — {proc.name}  ·  {proc.field}"


class ProcedurePicker(QObject):
    """Filters the catalog as ``edit`` changes and reports the procedure chosen.

    Args:
        edit: the line edit the clerk types into.
        overlay_parent: the widget the match list is drawn over (the page).
    """

    #: The chosen procedure, or None when the text no longer names one.
    procedure_changed = Signal(object)
    #: Enter picked a procedure, or was pressed with nothing to pick: the form moves on.
    accepted = Signal()

    def __init__(self, edit: QLineEdit, overlay_parent: QWidget) -> None:
        super().__init__(edit)
        self.edit = edit
        self._overlay_parent = overlay_parent
        self._procedures: tuple[Procedure, ...] = ()
        self._matches: list[Procedure] = []
        self._chosen: Procedure | None = None
        self._programmatic = False
        self._model = QStringListModel(self)
        self.list = QListView(overlay_parent)
        self.list.setObjectName("procedureList")
        self.list.setModel(self._model)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # typing stays in the line edit
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setUniformItemSizes(True)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setStyleSheet(
            "QListView#procedureList { border: 1px solid palette(mid); background: palette(base); }"
        )
        self.list.hide()
        self.list.clicked.connect(self._on_list_clicked)
        edit.textEdited.connect(self._on_edit_text_edited)
        edit.textChanged.connect(self._on_edit_text_changed)
        edit.installEventFilter(self)
        overlay_parent.installEventFilter(self)

    # ------------------------------------------------------------------ API

    @property
    def procedure(self) -> Procedure | None:
        """The procedure chosen, if any."""
        return self._chosen

    def set_procedures(self, procedures: Sequence[Procedure]) -> None:
        """The catalog to choose from (the choice is kept if its code is still there)."""
        self._procedures = tuple(procedures)
        if self._chosen is not None:
            again = next((p for p in self._procedures if p.code == self._chosen.code), None)
            self._set_chosen(again)
        if self.edit.hasFocus() and self._chosen is None and self.edit.text().strip():
            self._filter(self.edit.text())

    def choose(self, proc: Procedure | None) -> None:
        """Pick ``proc`` (or clear the choice) as if the clerk had."""
        self._programmatic = True
        try:
            self.edit.setText(procedure_text(proc) if proc else "")
        finally:
            self._programmatic = False
        self.edit.setCursorPosition(0)
        self.edit.setToolTip(proc.name if proc else "")
        self.hide_list()
        self._set_chosen(proc)

    def set_text(self, text: str) -> None:
        """Put ``text`` back in the edit, choosing the procedure it names, if it names one."""
        proc = next((p for p in self._procedures if procedure_text(p) == text), None)
        if proc is not None:
            self.choose(proc)
            return
        self.edit.setText(text)
        self._set_chosen(None)

    def choose_code(self, code: str) -> bool:
        """Pick the procedure with this code; False if the catalog has none."""
        proc = next((p for p in self._procedures if p.code == code), None)
        if proc is not None:
            self.choose(proc)
        return proc is not None

    def matches(self) -> list[Procedure]:
        """What the list currently offers, best first."""
        return list(self._matches)

    def hide_list(self) -> None:
        """Close the match list."""
        self.list.hide()

    # ------------------------------------------------------------------ internals

    def _set_chosen(self, proc: Procedure | None) -> None:
        if proc is self._chosen:
            return
        self._chosen = proc
        self.procedure_changed.emit(proc)

    def _filter(self, text: str) -> None:
        self._matches = search_procedures(self._procedures, text)
        self._model.setStringList([_list_text(p) for p in self._matches])
        if not self._matches:
            self.hide_list()
            return
        self.list.setCurrentIndex(self._model.index(0, 0))
        self._place_list()
        self.list.show()
        self.list.raise_()

    def _place_list(self) -> None:
        parent = self._overlay_parent
        top_left = self.edit.mapTo(parent, QPoint(0, self.edit.height()))
        width = max(self.edit.width(), MIN_LIST_WIDTH)
        width = min(width, parent.width() - top_left.x() - 4)
        row = self.list.sizeHintForRow(0)
        if row <= 0:
            row = self.edit.fontMetrics().height() + 8
        rows = min(len(self._matches), VISIBLE_ROWS)
        height = rows * row + 2 * self.list.frameWidth() + 2
        height = min(height, max(parent.height() - top_left.y() - 4, row * 2))
        self.list.setGeometry(top_left.x(), top_left.y(), width, height)

    def _move(self, step: int) -> None:
        if not self.list.isVisible():
            self._filter(self.edit.text())
            return
        count = self._model.rowCount()
        if count == 0:
            return
        row = (self.list.currentIndex().row() + step) % count
        self.list.setCurrentIndex(self._model.index(row, 0))

    def _pick_current(self) -> None:
        row = self.list.currentIndex().row()
        if 0 <= row < len(self._matches):
            self.choose(self._matches[row])

    def _on_edit_text_edited(self, text: str) -> None:
        self._set_chosen(None)
        self.edit.setToolTip("")
        if text.strip():
            self._filter(text)
        else:
            self._matches = []
            self.hide_list()

    def _on_edit_text_changed(self, text: str) -> None:
        # Also catches changes that are not typing (the clear button, setText).
        if (
            not self._programmatic
            and self._chosen is not None
            and text != procedure_text(self._chosen)
        ):
            self._set_chosen(None)

    def _on_list_clicked(self, index: QModelIndex) -> None:
        self.list.setCurrentIndex(index)
        self._pick_current()
        self.accepted.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Keys of the line edit drive the list; the list follows the page's size."""
        if watched is self._overlay_parent:
            if event.type() == QEvent.Type.Resize and self.list.isVisible():
                self._place_list()
            return False
        if watched is not self.edit:
            return False
        if event.type() == QEvent.Type.FocusOut:
            self.hide_list()
        elif event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            return self._on_edit_key(event)
        return False

    def _on_edit_key(self, event: QKeyEvent) -> bool:
        key = event.key()
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            self._move(1 if key == Qt.Key.Key_Down else -1)
            return True
        if key in (Qt.Key.Key_PageDown, Qt.Key.Key_PageUp) and self.list.isVisible():
            self._move(VISIBLE_ROWS if key == Qt.Key.Key_PageDown else -VISIBLE_ROWS)
            return True
        if key == Qt.Key.Key_Escape and self.list.isVisible():
            self.hide_list()
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self.list.isVisible():
                self._pick_current()
            elif self._chosen is None and self.edit.text().strip():
                self._filter(self.edit.text())
                return True  # show what matches; a second Enter picks
            self.accepted.emit()
            return True
        return False
