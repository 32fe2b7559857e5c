"""SQLAlchemy models, one module per aggregate."""
from survey_app.models.access import ApiKey, AuditLog, Invitation, Role, User
from survey_app.models.base import Base
from survey_app.models.dossier import DossierCount
from survey_app.models.feedback import CaseStatus, CommentTheme, FeedbackCase
from survey_app.models.imports import ImportStatus, ResponseImport
from survey_app.models.instrument import Instrument, InstrumentVersion
from survey_app.models.official import OfficialResult
from survey_app.models.org import Procedure, QrToken, Sector, ServicePoint, Unit, UnitKind
from survey_app.models.paper import PaperBatch, PaperDecision, PaperEntry
from survey_app.models.response import Channel, Comment, CommentStatus, Response
from survey_app.models.tally import (
    CellTally,
    PartCellTally,
    PartTally,
    PsuTally,
    TallyDirty,
    TallyState,
)

__all__ = [
    "ApiKey", "AuditLog", "Base", "CaseStatus", "Channel", "Comment", "CommentStatus",
    "CommentTheme",
    "DossierCount",
    "FeedbackCase", "ImportStatus", "ResponseImport",
    "Instrument", "InstrumentVersion", "Invitation", "OfficialResult", "PaperBatch",
    "PaperDecision", "PaperEntry", "Procedure", "QrToken", "Response",
    "Role", "Sector", "ServicePoint", "Unit", "UnitKind", "User",
    "CellTally", "PartCellTally", "PartTally", "PsuTally", "TallyDirty", "TallyState",
]
