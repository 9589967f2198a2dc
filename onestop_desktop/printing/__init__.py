"""PDF forms (reportlab): plain data in, PDF bytes out. No database and no Qt here.

Mẫu 01-05 (:mod:`.forms`) and the register Mẫu 06 (:mod:`.register`), in the layout of
Decree 30/2020 and Circular 01/2018, with a bundled Vietnamese-capable serif (:mod:`.fonts`).
"""

from onestop_desktop.printing.common import FORM_CAPTIONS, FORM_TITLES
from onestop_desktop.printing.fonts import ensure_fonts
from onestop_desktop.printing.forms import (
    RESULT_LABELS,
    apology,
    control_sheet,
    receipt,
    refusal,
    supplement_request,
)
from onestop_desktop.printing.model import (
    Agency,
    Applicant,
    DocumentLine,
    DossierInfo,
    HandOver,
    ProcedureInfo,
    RegisterInfo,
    RegisterRow,
)
from onestop_desktop.printing.register import register

__all__ = [
    "FORM_CAPTIONS",
    "FORM_TITLES",
    "RESULT_LABELS",
    "Agency",
    "Applicant",
    "DocumentLine",
    "DossierInfo",
    "HandOver",
    "ProcedureInfo",
    "RegisterInfo",
    "RegisterRow",
    "apology",
    "control_sheet",
    "ensure_fonts",
    "receipt",
    "refusal",
    "register",
    "supplement_request",
]
