# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'intake_page.ui'
##
## Created by: Qt User Interface Compiler version 6.11.3
##
## WARNING! All changes made in this file will be lost when recompiling UI file!
################################################################################

from PySide6.QtCore import (QCoreApplication, QDate, QDateTime, QLocale,
    QMetaObject, QObject, QPoint, QRect,
    QSize, QTime, QUrl, Qt)
from PySide6.QtGui import (QBrush, QColor, QConicalGradient, QCursor,
    QFont, QFontDatabase, QGradient, QIcon,
    QImage, QKeySequence, QLinearGradient, QPainter,
    QPalette, QPixmap, QRadialGradient, QTransform)
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QCheckBox, QComboBox,
    QDateTimeEdit, QFrame, QGridLayout, QGroupBox,
    QHBoxLayout, QHeaderView, QLabel, QLineEdit,
    QPushButton, QSizePolicy, QSpacerItem, QTableView,
    QVBoxLayout, QWidget)

class Ui_IntakePage(object):
    def setupUi(self, IntakePage):
        if not IntakePage.objectName():
            IntakePage.setObjectName(u"IntakePage")
        IntakePage.resize(1366, 700)
        self.pageLayout = QVBoxLayout(IntakePage)
        self.pageLayout.setSpacing(8)
        self.pageLayout.setObjectName(u"pageLayout")
        self.pageLayout.setContentsMargins(12, 10, 12, 10)
        self.columnsLayout = QHBoxLayout()
        self.columnsLayout.setSpacing(12)
        self.columnsLayout.setObjectName(u"columnsLayout")
        self.leftColumnLayout = QVBoxLayout()
        self.leftColumnLayout.setSpacing(8)
        self.leftColumnLayout.setObjectName(u"leftColumnLayout")
        self.applicantGroup = QGroupBox(IntakePage)
        self.applicantGroup.setObjectName(u"applicantGroup")
        self.applicantLayout = QGridLayout(self.applicantGroup)
        self.applicantLayout.setObjectName(u"applicantLayout")
        self.applicantLayout.setHorizontalSpacing(10)
        self.applicantLayout.setVerticalSpacing(4)
        self.scanHintLabel = QLabel(self.applicantGroup)
        self.scanHintLabel.setObjectName(u"scanHintLabel")
        self.scanHintLabel.setWordWrap(True)
        self.scanHintLabel.setProperty(u"role", u"hint")

        self.applicantLayout.addWidget(self.scanHintLabel, 0, 0, 1, 2)

        self.nameLabel = QLabel(self.applicantGroup)
        self.nameLabel.setObjectName(u"nameLabel")

        self.applicantLayout.addWidget(self.nameLabel, 1, 0, 1, 1)

        self.nameEdit = QLineEdit(self.applicantGroup)
        self.nameEdit.setObjectName(u"nameEdit")
        self.nameEdit.setMaxLength(200)

        self.applicantLayout.addWidget(self.nameEdit, 1, 1, 1, 1)

        self.nameErrorLabel = QLabel(self.applicantGroup)
        self.nameErrorLabel.setObjectName(u"nameErrorLabel")
        self.nameErrorLabel.setWordWrap(True)
        self.nameErrorLabel.setProperty(u"role", u"error")

        self.applicantLayout.addWidget(self.nameErrorLabel, 2, 1, 1, 1)

        self.idNumberLabel = QLabel(self.applicantGroup)
        self.idNumberLabel.setObjectName(u"idNumberLabel")

        self.applicantLayout.addWidget(self.idNumberLabel, 3, 0, 1, 1)

        self.idNumberEdit = QLineEdit(self.applicantGroup)
        self.idNumberEdit.setObjectName(u"idNumberEdit")
        self.idNumberEdit.setMaxLength(400)

        self.applicantLayout.addWidget(self.idNumberEdit, 3, 1, 1, 1)

        self.idNumberErrorLabel = QLabel(self.applicantGroup)
        self.idNumberErrorLabel.setObjectName(u"idNumberErrorLabel")
        self.idNumberErrorLabel.setWordWrap(True)
        self.idNumberErrorLabel.setProperty(u"role", u"error")

        self.applicantLayout.addWidget(self.idNumberErrorLabel, 4, 1, 1, 1)

        self.idInfoLabel = QLabel(self.applicantGroup)
        self.idInfoLabel.setObjectName(u"idInfoLabel")
        self.idInfoLabel.setWordWrap(True)
        self.idInfoLabel.setProperty(u"role", u"hint")

        self.applicantLayout.addWidget(self.idInfoLabel, 5, 1, 1, 1)

        self.duplicateLabel = QLabel(self.applicantGroup)
        self.duplicateLabel.setObjectName(u"duplicateLabel")
        self.duplicateLabel.setWordWrap(True)
        self.duplicateLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.duplicateLabel.setProperty(u"role", u"warning")

        self.applicantLayout.addWidget(self.duplicateLabel, 6, 1, 1, 1)

        self.birthDateLabel = QLabel(self.applicantGroup)
        self.birthDateLabel.setObjectName(u"birthDateLabel")

        self.applicantLayout.addWidget(self.birthDateLabel, 7, 0, 1, 1)

        self.birthSexLayout = QHBoxLayout()
        self.birthSexLayout.setSpacing(10)
        self.birthSexLayout.setObjectName(u"birthSexLayout")
        self.birthDateEdit = QLineEdit(self.applicantGroup)
        self.birthDateEdit.setObjectName(u"birthDateEdit")
        self.birthDateEdit.setMinimumSize(QSize(130, 0))
        self.birthDateEdit.setMaximumSize(QSize(160, 16777215))
        self.birthDateEdit.setMaxLength(400)

        self.birthSexLayout.addWidget(self.birthDateEdit)

        self.sexLabel = QLabel(self.applicantGroup)
        self.sexLabel.setObjectName(u"sexLabel")

        self.birthSexLayout.addWidget(self.sexLabel)

        self.sexCombo = QComboBox(self.applicantGroup)
        self.sexCombo.setObjectName(u"sexCombo")
        self.sexCombo.setMinimumSize(QSize(90, 0))

        self.birthSexLayout.addWidget(self.sexCombo)

        self.birthSexSpacer = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.birthSexLayout.addItem(self.birthSexSpacer)

        self.birthSexLayout.setStretch(3, 1)

        self.applicantLayout.addLayout(self.birthSexLayout, 7, 1, 1, 1)

        self.birthDateErrorLabel = QLabel(self.applicantGroup)
        self.birthDateErrorLabel.setObjectName(u"birthDateErrorLabel")
        self.birthDateErrorLabel.setWordWrap(True)
        self.birthDateErrorLabel.setProperty(u"role", u"error")

        self.applicantLayout.addWidget(self.birthDateErrorLabel, 8, 1, 1, 1)

        self.identityWarningLabel = QLabel(self.applicantGroup)
        self.identityWarningLabel.setObjectName(u"identityWarningLabel")
        self.identityWarningLabel.setWordWrap(True)
        self.identityWarningLabel.setProperty(u"role", u"warning")

        self.applicantLayout.addWidget(self.identityWarningLabel, 9, 1, 1, 1)

        self.phoneLabel = QLabel(self.applicantGroup)
        self.phoneLabel.setObjectName(u"phoneLabel")

        self.applicantLayout.addWidget(self.phoneLabel, 10, 0, 1, 1)

        self.phoneEdit = QLineEdit(self.applicantGroup)
        self.phoneEdit.setObjectName(u"phoneEdit")
        self.phoneEdit.setMaxLength(400)

        self.applicantLayout.addWidget(self.phoneEdit, 10, 1, 1, 1)

        self.phoneErrorLabel = QLabel(self.applicantGroup)
        self.phoneErrorLabel.setObjectName(u"phoneErrorLabel")
        self.phoneErrorLabel.setWordWrap(True)
        self.phoneErrorLabel.setProperty(u"role", u"error")

        self.applicantLayout.addWidget(self.phoneErrorLabel, 11, 1, 1, 1)

        self.emailLabel = QLabel(self.applicantGroup)
        self.emailLabel.setObjectName(u"emailLabel")

        self.applicantLayout.addWidget(self.emailLabel, 12, 0, 1, 1)

        self.emailEdit = QLineEdit(self.applicantGroup)
        self.emailEdit.setObjectName(u"emailEdit")
        self.emailEdit.setMaxLength(200)

        self.applicantLayout.addWidget(self.emailEdit, 12, 1, 1, 1)

        self.emailErrorLabel = QLabel(self.applicantGroup)
        self.emailErrorLabel.setObjectName(u"emailErrorLabel")
        self.emailErrorLabel.setWordWrap(True)
        self.emailErrorLabel.setProperty(u"role", u"error")

        self.applicantLayout.addWidget(self.emailErrorLabel, 13, 1, 1, 1)

        self.addressLabel = QLabel(self.applicantGroup)
        self.addressLabel.setObjectName(u"addressLabel")

        self.applicantLayout.addWidget(self.addressLabel, 14, 0, 1, 1)

        self.addressEdit = QLineEdit(self.applicantGroup)
        self.addressEdit.setObjectName(u"addressEdit")
        self.addressEdit.setMaxLength(500)

        self.applicantLayout.addWidget(self.addressEdit, 14, 1, 1, 1)

        self.noteLabel = QLabel(self.applicantGroup)
        self.noteLabel.setObjectName(u"noteLabel")

        self.applicantLayout.addWidget(self.noteLabel, 15, 0, 1, 1)

        self.noteEdit = QLineEdit(self.applicantGroup)
        self.noteEdit.setObjectName(u"noteEdit")
        self.noteEdit.setMaxLength(500)

        self.applicantLayout.addWidget(self.noteEdit, 15, 1, 1, 1)

        self.applicantLayout.setColumnStretch(1, 1)

        self.leftColumnLayout.addWidget(self.applicantGroup)

        self.receptionGroup = QGroupBox(IntakePage)
        self.receptionGroup.setObjectName(u"receptionGroup")
        self.receptionLayout = QGridLayout(self.receptionGroup)
        self.receptionLayout.setObjectName(u"receptionLayout")
        self.receptionLayout.setHorizontalSpacing(10)
        self.receptionLayout.setVerticalSpacing(4)
        self.channelLabel = QLabel(self.receptionGroup)
        self.channelLabel.setObjectName(u"channelLabel")

        self.receptionLayout.addWidget(self.channelLabel, 0, 0, 1, 1)

        self.channelCombo = QComboBox(self.receptionGroup)
        self.channelCombo.setObjectName(u"channelCombo")

        self.receptionLayout.addWidget(self.channelCombo, 0, 1, 1, 1)

        self.receivedLabel = QLabel(self.receptionGroup)
        self.receivedLabel.setObjectName(u"receivedLabel")

        self.receptionLayout.addWidget(self.receivedLabel, 1, 0, 1, 1)

        self.receivedLayout = QHBoxLayout()
        self.receivedLayout.setSpacing(10)
        self.receivedLayout.setObjectName(u"receivedLayout")
        self.receivedNowCheck = QCheckBox(self.receptionGroup)
        self.receivedNowCheck.setObjectName(u"receivedNowCheck")
        self.receivedNowCheck.setChecked(True)

        self.receivedLayout.addWidget(self.receivedNowCheck)

        self.receivedEdit = QDateTimeEdit(self.receptionGroup)
        self.receivedEdit.setObjectName(u"receivedEdit")
        self.receivedEdit.setEnabled(False)
        self.receivedEdit.setCalendarPopup(True)

        self.receivedLayout.addWidget(self.receivedEdit)

        self.receivedLayout.setStretch(1, 1)

        self.receptionLayout.addLayout(self.receivedLayout, 1, 1, 1, 1)

        self.receivedErrorLabel = QLabel(self.receptionGroup)
        self.receivedErrorLabel.setObjectName(u"receivedErrorLabel")
        self.receivedErrorLabel.setWordWrap(True)
        self.receivedErrorLabel.setProperty(u"role", u"error")

        self.receptionLayout.addWidget(self.receivedErrorLabel, 2, 1, 1, 1)

        self.receptionLayout.setColumnStretch(1, 1)

        self.leftColumnLayout.addWidget(self.receptionGroup)

        self.appointmentFrame = QFrame(IntakePage)
        self.appointmentFrame.setObjectName(u"appointmentFrame")
        self.appointmentFrame.setFrameShape(QFrame.Shape.StyledPanel)
        self.appointmentLayout = QVBoxLayout(self.appointmentFrame)
        self.appointmentLayout.setSpacing(2)
        self.appointmentLayout.setObjectName(u"appointmentLayout")
        self.dueLabel = QLabel(self.appointmentFrame)
        self.dueLabel.setObjectName(u"dueLabel")
        self.dueLabel.setWordWrap(True)
        self.dueLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.appointmentLayout.addWidget(self.dueLabel)

        self.dueDetailLabel = QLabel(self.appointmentFrame)
        self.dueDetailLabel.setObjectName(u"dueDetailLabel")
        self.dueDetailLabel.setWordWrap(True)
        self.dueDetailLabel.setProperty(u"role", u"hint")

        self.appointmentLayout.addWidget(self.dueDetailLabel)


        self.leftColumnLayout.addWidget(self.appointmentFrame)

        self.leftColumnSpacer = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.leftColumnLayout.addItem(self.leftColumnSpacer)

        self.leftColumnLayout.setStretch(3, 1)

        self.columnsLayout.addLayout(self.leftColumnLayout)

        self.rightColumnLayout = QVBoxLayout()
        self.rightColumnLayout.setSpacing(8)
        self.rightColumnLayout.setObjectName(u"rightColumnLayout")
        self.procedureGroup = QGroupBox(IntakePage)
        self.procedureGroup.setObjectName(u"procedureGroup")
        self.procedureLayout = QGridLayout(self.procedureGroup)
        self.procedureLayout.setObjectName(u"procedureLayout")
        self.procedureLayout.setHorizontalSpacing(10)
        self.procedureLayout.setVerticalSpacing(4)
        self.procedureEdit = QLineEdit(self.procedureGroup)
        self.procedureEdit.setObjectName(u"procedureEdit")
        self.procedureEdit.setClearButtonEnabled(True)

        self.procedureLayout.addWidget(self.procedureEdit, 0, 0, 1, 4)

        self.procedureErrorLabel = QLabel(self.procedureGroup)
        self.procedureErrorLabel.setObjectName(u"procedureErrorLabel")
        self.procedureErrorLabel.setWordWrap(True)
        self.procedureErrorLabel.setProperty(u"role", u"error")

        self.procedureLayout.addWidget(self.procedureErrorLabel, 1, 0, 1, 4)

        self.fieldCaptionLabel = QLabel(self.procedureGroup)
        self.fieldCaptionLabel.setObjectName(u"fieldCaptionLabel")
        self.fieldCaptionLabel.setProperty(u"role", u"caption")

        self.procedureLayout.addWidget(self.fieldCaptionLabel, 2, 0, 1, 1)

        self.fieldValueLabel = QLabel(self.procedureGroup)
        self.fieldValueLabel.setObjectName(u"fieldValueLabel")
        self.fieldValueLabel.setText(u"\u2014")
        self.fieldValueLabel.setWordWrap(True)

        self.procedureLayout.addWidget(self.fieldValueLabel, 2, 1, 1, 1)

        self.levelCaptionLabel = QLabel(self.procedureGroup)
        self.levelCaptionLabel.setObjectName(u"levelCaptionLabel")
        self.levelCaptionLabel.setProperty(u"role", u"caption")

        self.procedureLayout.addWidget(self.levelCaptionLabel, 2, 2, 1, 1)

        self.levelValueLabel = QLabel(self.procedureGroup)
        self.levelValueLabel.setObjectName(u"levelValueLabel")
        self.levelValueLabel.setText(u"\u2014")
        self.levelValueLabel.setWordWrap(True)

        self.procedureLayout.addWidget(self.levelValueLabel, 2, 3, 1, 1)

        self.timeCaptionLabel = QLabel(self.procedureGroup)
        self.timeCaptionLabel.setObjectName(u"timeCaptionLabel")
        self.timeCaptionLabel.setProperty(u"role", u"caption")

        self.procedureLayout.addWidget(self.timeCaptionLabel, 3, 0, 1, 1)

        self.timeValueLabel = QLabel(self.procedureGroup)
        self.timeValueLabel.setObjectName(u"timeValueLabel")
        self.timeValueLabel.setText(u"\u2014")
        self.timeValueLabel.setWordWrap(True)

        self.procedureLayout.addWidget(self.timeValueLabel, 3, 1, 1, 1)

        self.onlineCaptionLabel = QLabel(self.procedureGroup)
        self.onlineCaptionLabel.setObjectName(u"onlineCaptionLabel")
        self.onlineCaptionLabel.setProperty(u"role", u"caption")

        self.procedureLayout.addWidget(self.onlineCaptionLabel, 3, 2, 1, 1)

        self.onlineValueLabel = QLabel(self.procedureGroup)
        self.onlineValueLabel.setObjectName(u"onlineValueLabel")
        self.onlineValueLabel.setText(u"\u2014")
        self.onlineValueLabel.setWordWrap(True)

        self.procedureLayout.addWidget(self.onlineValueLabel, 3, 3, 1, 1)

        self.feeCaptionLabel = QLabel(self.procedureGroup)
        self.feeCaptionLabel.setObjectName(u"feeCaptionLabel")
        self.feeCaptionLabel.setProperty(u"role", u"caption")

        self.procedureLayout.addWidget(self.feeCaptionLabel, 4, 0, 1, 1)

        self.feeValueLabel = QLabel(self.procedureGroup)
        self.feeValueLabel.setObjectName(u"feeValueLabel")
        self.feeValueLabel.setText(u"\u2014")
        self.feeValueLabel.setWordWrap(True)

        self.procedureLayout.addWidget(self.feeValueLabel, 4, 1, 1, 3)

        self.procedureLayout.setColumnStretch(1, 1)
        self.procedureLayout.setColumnStretch(3, 1)

        self.rightColumnLayout.addWidget(self.procedureGroup)

        self.documentsGroup = QGroupBox(IntakePage)
        self.documentsGroup.setObjectName(u"documentsGroup")
        self.documentsLayout = QVBoxLayout(self.documentsGroup)
        self.documentsLayout.setSpacing(4)
        self.documentsLayout.setObjectName(u"documentsLayout")
        self.documentsTable = QTableView(self.documentsGroup)
        self.documentsTable.setObjectName(u"documentsTable")
        self.documentsTable.setMinimumSize(QSize(0, 150))
        self.documentsTable.setTabKeyNavigation(False)
        self.documentsTable.setAlternatingRowColors(True)
        self.documentsTable.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.documentsTable.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.documentsTable.setWordWrap(True)

        self.documentsLayout.addWidget(self.documentsTable)

        self.documentsFooterLayout = QHBoxLayout()
        self.documentsFooterLayout.setObjectName(u"documentsFooterLayout")
        self.documentsSummaryLabel = QLabel(self.documentsGroup)
        self.documentsSummaryLabel.setObjectName(u"documentsSummaryLabel")
        self.documentsSummaryLabel.setWordWrap(True)
        self.documentsSummaryLabel.setProperty(u"role", u"hint")

        self.documentsFooterLayout.addWidget(self.documentsSummaryLabel)

        self.addDocumentButton = QPushButton(self.documentsGroup)
        self.addDocumentButton.setObjectName(u"addDocumentButton")

        self.documentsFooterLayout.addWidget(self.addDocumentButton)

        self.documentsFooterLayout.setStretch(0, 1)

        self.documentsLayout.addLayout(self.documentsFooterLayout)


        self.rightColumnLayout.addWidget(self.documentsGroup)

        self.rightColumnLayout.setStretch(1, 1)

        self.columnsLayout.addLayout(self.rightColumnLayout)

        self.columnsLayout.setStretch(0, 5)
        self.columnsLayout.setStretch(1, 6)

        self.pageLayout.addLayout(self.columnsLayout)

        self.actionsLayout = QHBoxLayout()
        self.actionsLayout.setSpacing(10)
        self.actionsLayout.setObjectName(u"actionsLayout")
        self.statusLabel = QLabel(IntakePage)
        self.statusLabel.setObjectName(u"statusLabel")
        self.statusLabel.setWordWrap(True)
        self.statusLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.actionsLayout.addWidget(self.statusLabel)

        self.clearButton = QPushButton(IntakePage)
        self.clearButton.setObjectName(u"clearButton")

        self.actionsLayout.addWidget(self.clearButton)

        self.saveButton = QPushButton(IntakePage)
        self.saveButton.setObjectName(u"saveButton")
        self.saveButton.setMinimumSize(QSize(220, 36))
        self.saveButton.setAutoDefault(True)

        self.actionsLayout.addWidget(self.saveButton)

        self.actionsLayout.setStretch(0, 1)

        self.pageLayout.addLayout(self.actionsLayout)

#if QT_CONFIG(shortcut)
        self.nameLabel.setBuddy(self.nameEdit)
        self.idNumberLabel.setBuddy(self.idNumberEdit)
        self.birthDateLabel.setBuddy(self.birthDateEdit)
        self.sexLabel.setBuddy(self.sexCombo)
        self.phoneLabel.setBuddy(self.phoneEdit)
        self.emailLabel.setBuddy(self.emailEdit)
        self.addressLabel.setBuddy(self.addressEdit)
        self.noteLabel.setBuddy(self.noteEdit)
        self.channelLabel.setBuddy(self.channelCombo)
#endif // QT_CONFIG(shortcut)
        QWidget.setTabOrder(self.procedureEdit, self.nameEdit)
        QWidget.setTabOrder(self.nameEdit, self.idNumberEdit)
        QWidget.setTabOrder(self.idNumberEdit, self.birthDateEdit)
        QWidget.setTabOrder(self.birthDateEdit, self.sexCombo)
        QWidget.setTabOrder(self.sexCombo, self.phoneEdit)
        QWidget.setTabOrder(self.phoneEdit, self.emailEdit)
        QWidget.setTabOrder(self.emailEdit, self.addressEdit)
        QWidget.setTabOrder(self.addressEdit, self.noteEdit)
        QWidget.setTabOrder(self.noteEdit, self.channelCombo)
        QWidget.setTabOrder(self.channelCombo, self.receivedNowCheck)
        QWidget.setTabOrder(self.receivedNowCheck, self.receivedEdit)
        QWidget.setTabOrder(self.receivedEdit, self.documentsTable)
        QWidget.setTabOrder(self.documentsTable, self.saveButton)
        QWidget.setTabOrder(self.saveButton, self.addDocumentButton)
        QWidget.setTabOrder(self.addDocumentButton, self.clearButton)

        self.retranslateUi(IntakePage)

        QMetaObject.connectSlotsByName(IntakePage)
    # setupUi

    def retranslateUi(self, IntakePage):
        IntakePage.setWindowTitle(QCoreApplication.translate("IntakePage", u"Ti\u1ebfp nh\u1eadn h\u1ed3 s\u01a1", None))
        self.applicantGroup.setTitle(QCoreApplication.translate("IntakePage", u"Ng\u01b0\u1eddi n\u1ed9p h\u1ed3 s\u01a1", None))
        self.scanHintLabel.setText(QCoreApplication.translate("IntakePage", u"Qu\u00e9t m\u00e3 QR tr\u00ean th\u1ebb c\u0103n c\u01b0\u1edbc b\u1eb1ng m\u00e1y qu\u00e9t: h\u1ecd t\u00ean, s\u1ed1 \u0111\u1ecbnh danh, ng\u00e0y sinh, gi\u1edbi t\u00ednh v\u00e0 \u0111\u1ecba ch\u1ec9 \u0111\u01b0\u1ee3c \u0111i\u1ec1n t\u1ef1 \u0111\u1ed9ng.", None))
        self.nameLabel.setText(QCoreApplication.translate("IntakePage", u"&H\u1ecd, ch\u1eef \u0111\u1ec7m v\u00e0 t\u00ean *", None))
        self.nameEdit.setPlaceholderText(QCoreApplication.translate("IntakePage", u"V\u00ed d\u1ee5: Nguy\u1ec5n Th\u1ecb H\u00f2a", None))
        self.idNumberLabel.setText(QCoreApplication.translate("IntakePage", u"S\u1ed1 CCC&D / CMND / h\u1ed9 chi\u1ebfu", None))
        self.idNumberEdit.setPlaceholderText(QCoreApplication.translate("IntakePage", u"12 ch\u1eef s\u1ed1 (CCCD), 9 ch\u1eef s\u1ed1 (CMND) ho\u1eb7c s\u1ed1 h\u1ed9 chi\u1ebfu", None))
        self.birthDateLabel.setText(QCoreApplication.translate("IntakePage", u"Ng\u00e0y &sinh", None))
        self.birthDateEdit.setPlaceholderText(QCoreApplication.translate("IntakePage", u"dd/mm/yyyy", None))
        self.sexLabel.setText(QCoreApplication.translate("IntakePage", u"&Gi\u1edbi t\u00ednh", None))
        self.phoneLabel.setText(QCoreApplication.translate("IntakePage", u"S\u1ed1 \u0111i\u1ec7n &tho\u1ea1i", None))
        self.phoneEdit.setPlaceholderText(QCoreApplication.translate("IntakePage", u"V\u00ed d\u1ee5: 0912 345 678", None))
        self.emailLabel.setText(QCoreApplication.translate("IntakePage", u"&Email", None))
        self.addressLabel.setText(QCoreApplication.translate("IntakePage", u"\u0110\u1ecb&a ch\u1ec9", None))
        self.addressEdit.setPlaceholderText(QCoreApplication.translate("IntakePage", u"S\u1ed1 nh\u00e0, \u0111\u01b0\u1eddng, ph\u01b0\u1eddng/x\u00e3, t\u1ec9nh/th\u00e0nh ph\u1ed1", None))
        self.noteLabel.setText(QCoreApplication.translate("IntakePage", u"Ghi &ch\u00fa", None))
        self.receptionGroup.setTitle(QCoreApplication.translate("IntakePage", u"Ti\u1ebfp nh\u1eadn", None))
        self.channelLabel.setText(QCoreApplication.translate("IntakePage", u"H\u00ecnh th\u1ee9c &n\u1ed9p", None))
        self.receivedLabel.setText(QCoreApplication.translate("IntakePage", u"Th\u1eddi \u0111i\u1ec3m ti\u1ebfp nh\u1eadn", None))
        self.receivedNowCheck.setText(QCoreApplication.translate("IntakePage", u"L\u00fac n\u00e0y", None))
        self.receivedEdit.setDisplayFormat(QCoreApplication.translate("IntakePage", u"HH:mm dd/MM/yyyy", None))
        self.dueLabel.setText(QCoreApplication.translate("IntakePage", u"H\u1eb9n tr\u1ea3: ch\u1ecdn th\u1ee7 t\u1ee5c \u0111\u1ec3 t\u00ednh ng\u00e0y h\u1eb9n", None))
        self.procedureGroup.setTitle(QCoreApplication.translate("IntakePage", u"Th\u1ee7 t\u1ee5c h\u00e0nh ch\u00ednh", None))
        self.procedureEdit.setPlaceholderText(QCoreApplication.translate("IntakePage", u"G\u00f5 m\u00e3 ho\u1eb7c t\u00ean th\u1ee7 t\u1ee5c, kh\u00f4ng c\u1ea7n d\u1ea5u (F4) \u2014 v\u00ed d\u1ee5: khai sinh", None))
        self.fieldCaptionLabel.setText(QCoreApplication.translate("IntakePage", u"L\u0129nh v\u1ef1c:", None))
        self.levelCaptionLabel.setText(QCoreApplication.translate("IntakePage", u"C\u1ea5p gi\u1ea3i quy\u1ebft:", None))
        self.timeCaptionLabel.setText(QCoreApplication.translate("IntakePage", u"Th\u1eddi h\u1ea1n:", None))
        self.onlineCaptionLabel.setText(QCoreApplication.translate("IntakePage", u"Tr\u1ef1c tuy\u1ebfn:", None))
        self.feeCaptionLabel.setText(QCoreApplication.translate("IntakePage", u"Ph\u00ed, l\u1ec7 ph\u00ed:", None))
        self.documentsGroup.setTitle(QCoreApplication.translate("IntakePage", u"Th\u00e0nh ph\u1ea7n h\u1ed3 s\u01a1", None))
        self.addDocumentButton.setText(QCoreApplication.translate("IntakePage", u"Th\u00eam gi\u1ea5y t\u1edd kh\u00e1c", None))
        self.clearButton.setText(QCoreApplication.translate("IntakePage", u"Nh\u1eadp m\u1edbi (Ctrl+N)", None))
        self.saveButton.setText(QCoreApplication.translate("IntakePage", u"L\u01b0u v\u00e0 in gi\u1ea5y h\u1eb9n (Ctrl+S)", None))
    # retranslateUi

