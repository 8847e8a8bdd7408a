"""Import every model so the metadata is complete (Alembic, tests)."""
from server.accounts.models import ApiToken, PhoneToken, User, UserArea  # noqa: F401
from server.areas.models import Area  # noqa: F401
from server.audit.models import AuditEvent  # noqa: F401
from server.db import Base
from server.forms.models import Form, FormAssignment, FormMedia, FormVersion  # noqa: F401
from server.jobs.models import Job  # noqa: F401
from server.households.models import (Assignment, Household, HouseholdCategory,  # noqa: F401
                                      HouseholdChange, Member)
from server.submissions.models import Submission, SubmissionAttachment, SubmissionVersion  # noqa: F401
from server.poverty.models import PovertyLine  # noqa: F401
from server.ledger.models import LedgerEvent, LedgerItem  # noqa: F401
from server.scoring.models import ScoreResult  # noqa: F401
from server.review.models import ReviewEvent, Sample, SampleItem  # noqa: F401
import server.review.edits  # noqa: F401,E402  the "edited" state on new versions
from server.evidence.models import EvidenceFlag, PhotoPrint  # noqa: F401

metadata = Base.metadata
