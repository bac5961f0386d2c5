"""What a QLabel shows a person: its text as Qt renders it (markup read as HTML, or shown as typed)."""

from __future__ import annotations

from PySide6.QtGui import Qt, QTextDocument  # QtGui's Qt carries mightBeRichText
from PySide6.QtWidgets import QLabel


def shown_text(label: QLabel) -> str:
    """The label's text as painted: HTML rendered to plain text, or the raw text when Qt reads it as plain."""
    fmt = label.textFormat()
    rich = fmt == Qt.TextFormat.RichText or (fmt == Qt.TextFormat.AutoText and Qt.mightBeRichText(label.text()))
    if not rich:
        return label.text()
    document = QTextDocument()
    document.setHtml(label.text())
    return document.toPlainText()
