"""Ghi đánh giá: the citizen's rating of a returned dossier (DOMAIN.md §8).

Three choices (Rất hài lòng / Hài lòng / Không hài lòng, domain's ``RATING_LABELS``) and a
reason, required for "Không hài lòng" — the rule of ``domain.dossier.rating_payload``, checked
here first so the clerk is told at once, next to the field. The dialog only collects the
answer: the page saves it through ``services.ratings.rate`` off the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from onestop_desktop.domain.dossier import RATING_LABELS, Rating

_ERROR_STYLE = "color: #c62828;"
_FIELD_ERROR_STYLE = "QPlainTextEdit { border: 1px solid #c62828; }"


class RatingDialog(QDialog):
    """Ask which of the three ratings the citizen gave, and why when not satisfied.

    Keys: Alt+1, Alt+2, Alt+3 choose a rating; Ctrl+Enter confirms from the reason field;
    Esc cancels.
    """

    def __init__(self, code: str, applicant: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ratingDialog")
        self.setWindowTitle(self.tr("Ghi đánh giá"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr("Mức độ hài lòng của %s khi nhận kết quả hồ sơ %s:") % (applicant, code)
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.group = QButtonGroup(self)
        self.choices: dict[Rating, QRadioButton] = {}
        row = QHBoxLayout()
        for i, rating in enumerate(Rating, start=1):
            button = QRadioButton(f"&{i}. {self.tr(RATING_LABELS[rating])}")
            button.setObjectName(f"{rating.value}Radio")
            self.group.addButton(button, i)
            self.choices[rating] = button
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.reason_label = QLabel(self.tr("Lý do:"))
        layout.addWidget(self.reason_label)
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setObjectName("reasonEdit")
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setFixedHeight(80)
        self.reason_edit.setPlaceholderText(
            self.tr("Bắt buộc khi không hài lòng (Ctrl+Enter để xác nhận)")
        )
        self.reason_label.setBuddy(self.reason_edit)
        layout.addWidget(self.reason_edit)
        self.error_label = QLabel()
        self.error_label.setObjectName("errorLabel")
        self.error_label.setStyleSheet(_ERROR_STYLE)
        self.error_label.setWordWrap(True)
        self.error_label.setMinimumHeight(2 * self.error_label.fontMetrics().lineSpacing())
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(self.tr("Ghi đánh giá"))
        ok.setObjectName("okButton")
        ok.setDefault(True)
        self.ok_button = ok
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Hủy (Esc)"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self).activated.connect(self.accept)
        self.group.idToggled.connect(self._on_choice)
        self.reason_edit.textChanged.connect(self._clear_field_error)

    @property
    def rating(self) -> Rating | None:
        """The chosen rating (None while none is chosen)."""
        for rating, button in self.choices.items():
            if button.isChecked():
                return rating
        return None

    @property
    def reason(self) -> str | None:
        """The reason, whitespace collapsed (None when empty)."""
        text = " ".join(self.reason_edit.toPlainText().split())
        return text or None

    def choose(self, rating: Rating) -> None:
        """Select a rating (as a click on its button)."""
        self.choices[rating].setChecked(True)

    def validate(self) -> str | None:
        """What is missing, in Vietnamese, or None when the answer can be saved."""
        if self.rating is None:
            return self.tr("Chọn một mức đánh giá.")
        if self.rating is Rating.DISSATISFIED and not self.reason:
            return self.tr("Phải ghi lý do khi người dân không hài lòng (ô «Lý do»).")
        return None

    def accept(self) -> None:
        """Close only when the answer is complete; otherwise say what is missing, and where."""
        problem = self.validate()
        if problem:
            self.error_label.setText(problem)
            if self.rating is not None:  # the reason is what is missing
                self.reason_edit.setStyleSheet(_FIELD_ERROR_STYLE)
                self.reason_edit.setFocus()
            return
        super().accept()

    def _on_choice(self, _id: int, checked: bool) -> None:
        if not checked:
            return
        required = self.rating is Rating.DISSATISFIED
        self.reason_label.setText(self.tr("Lý do (bắt buộc):") if required else self.tr("Lý do:"))
        self.error_label.clear()
        self._clear_field_error()
        if required:
            self.reason_edit.setFocus()

    def _clear_field_error(self) -> None:
        self.reason_edit.setStyleSheet("")


__all__ = ["RatingDialog"]
