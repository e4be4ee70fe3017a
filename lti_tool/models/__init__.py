"""All models, importable from one place (Alembic reads ``Base.metadata`` from here)."""

from lti_tool.models.attempts import Attempt, AttemptStatus, LearnerAccommodation
from lti_tool.models.base import Base, utcnow
from lti_tool.models.credentials import (
    Credential,
    CredentialPreference,
    CredentialReminder,
    CredentialState,
    IssuerKey,
    StatusList,
    StatusPurpose,
)
from lti_tool.models.frameworks import (
    AssociationType,
    CompetencyMapping,
    Framework,
    FrameworkItem,
)
from lti_tool.models.grades import GradeOverride
from lti_tool.models.jobs import Job, JobEvent, JobStatus
from lti_tool.models.keys import ToolKey
from lti_tool.models.labs import LabSubmission, SubmissionStatus
from lti_tool.models.launch import ConsumedNonce, Launch, LoginState, PlatformNotice
from lti_tool.models.lti import (
    Context,
    Deployment,
    Membership,
    MemberStatus,
    RegisteredVia,
    Registration,
    ResourceLink,
    Role,
    User,
)
from lti_tool.models.marking import (
    GradingAction,
    GradingEvent,
    GradingOutcome,
    MarkRole,
    RubricMark,
)
from lti_tool.models.operations import (
    AuditEntry,
    ErrorReport,
    Operator,
    OperatorRecoveryCode,
    OperatorSession,
    WorkerHeartbeat,
)
from lti_tool.models.organisation import CourseSection, DueReminder, SectionMember
from lti_tool.models.privacy import AccessKind, AccessLogEntry, ErasureRecord
from lti_tool.models.projects import ProjectFile

__all__ = [
    "AccessKind",
    "AccessLogEntry",
    "AssociationType",
    "Attempt",
    "AttemptStatus",
    "AuditEntry",
    "Base",
    "CompetencyMapping",
    "ConsumedNonce",
    "Context",
    "CourseSection",
    "Credential",
    "CredentialPreference",
    "CredentialReminder",
    "CredentialState",
    "Deployment",
    "DueReminder",
    "ErasureRecord",
    "ErrorReport",
    "Framework",
    "FrameworkItem",
    "GradeOverride",
    "GradingAction",
    "GradingEvent",
    "GradingOutcome",
    "IssuerKey",
    "Job",
    "JobEvent",
    "JobStatus",
    "LabSubmission",
    "Launch",
    "LearnerAccommodation",
    "LoginState",
    "MarkRole",
    "MemberStatus",
    "Membership",
    "Operator",
    "OperatorRecoveryCode",
    "OperatorSession",
    "PlatformNotice",
    "ProjectFile",
    "RegisteredVia",
    "Registration",
    "ResourceLink",
    "Role",
    "RubricMark",
    "SectionMember",
    "StatusList",
    "StatusPurpose",
    "SubmissionStatus",
    "ToolKey",
    "User",
    "WorkerHeartbeat",
    "utcnow",
]
