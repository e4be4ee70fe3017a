"""Spec URIs as enums (LTI 1.3 Core, Deep Linking 2.0, AGS 2.0, NRPS 2.0)."""

from enum import StrEnum

LTI_VERSION = "1.3.0"


class Claim(StrEnum):
    MESSAGE_TYPE = "https://purl.imsglobal.org/spec/lti/claim/message_type"
    VERSION = "https://purl.imsglobal.org/spec/lti/claim/version"
    DEPLOYMENT_ID = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
    TARGET_LINK_URI = "https://purl.imsglobal.org/spec/lti/claim/target_link_uri"
    RESOURCE_LINK = "https://purl.imsglobal.org/spec/lti/claim/resource_link"
    ROLES = "https://purl.imsglobal.org/spec/lti/claim/roles"
    CONTEXT = "https://purl.imsglobal.org/spec/lti/claim/context"
    TOOL_PLATFORM = "https://purl.imsglobal.org/spec/lti/claim/tool_platform"
    LAUNCH_PRESENTATION = "https://purl.imsglobal.org/spec/lti/claim/launch_presentation"
    CUSTOM = "https://purl.imsglobal.org/spec/lti/claim/custom"
    AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
    NRPS_SERVICE = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
    DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
    #: The learner whose work a submission review launch is about (``user_id`` = their sub).
    FOR_USER = "https://purl.imsglobal.org/spec/lti/claim/for_user"
    #: LTI Platform Notification Service 1.0: the service a launch offers (its URL, scope
    #: and the notice types the platform sends), a notice's id/type/timestamp, and the
    #: courses an LtiContextCopyNotice's course was copied from.
    PLATFORM_NOTIFICATION_SERVICE = (
        "https://purl.imsglobal.org/spec/lti/claim/platformnotificationservice"
    )
    NOTICE = "https://purl.imsglobal.org/spec/lti/claim/notice"
    ORIGIN_CONTEXTS = "https://purl.imsglobal.org/spec/lti/claim/origin_contexts"


class MessageType(StrEnum):
    RESOURCE_LINK = "LtiResourceLinkRequest"
    DEEP_LINKING = "LtiDeepLinkingRequest"
    #: From the LMS gradebook to a learner's work behind a score (LTI Submission Review 1.0).
    SUBMISSION_REVIEW = "LtiSubmissionReviewRequest"


class ContextRole(StrEnum):
    ADMINISTRATOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator"
    CONTENT_DEVELOPER = "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper"
    INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
    LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
    MENTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"
    TEACHING_ASSISTANT = (
        "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
    )


class AgsScope(StrEnum):
    LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
    LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
    RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
    SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"


NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
#: Registering notice handlers with the Platform Notification Service.
NOTICE_HANDLERS_SCOPE = "https://purl.imsglobal.org/spec/lti/scope/noticehandlers"
#: The service scopes SkillCert asks every LMS for, in this order (the notice handlers'
#: only where the LMS offers it).
TOOL_SCOPES = (AgsScope.LINEITEM, AgsScope.RESULT_READONLY, AgsScope.SCORE, NRPS_SCOPE)

#: Custom parameters that ask the LMS which links and courses a link or course was copied
#: from (LTI substitution variables, most recent copy first). Presets and Dynamic
#: Registration declare them; a launch reads them to carry a copied link's placement
#: over (lti.course_copy; docs/operator-guide.md, "Course copy").
RESOURCE_LINK_HISTORY = "resource_link_history"
CONTEXT_HISTORY = "context_history"
HISTORY_PARAMETERS = {
    RESOURCE_LINK_HISTORY: "$ResourceLink.id.history",
    CONTEXT_HISTORY: "$Context.id.history",
}


class NoticeType(StrEnum):
    """The PNS notices SkillCert registers a handler for."""

    #: The platform checks the handler works; nothing to do but say so.
    HELLO_WORLD = "LtiHelloWorldNotice"
    #: A course was copied (or imported into): its placements follow (docs: Course copy).
    CONTEXT_COPY = "LtiContextCopyNotice"


class MediaType(StrEnum):
    LINEITEM = "application/vnd.ims.lis.v2.lineitem+json"
    LINEITEM_CONTAINER = "application/vnd.ims.lis.v2.lineitemcontainer+json"
    SCORE = "application/vnd.ims.lis.v1.score+json"
    RESULT_CONTAINER = "application/vnd.ims.lis.v2.resultcontainer+json"
    MEMBERSHIP_CONTAINER = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"


class ActivityProgress(StrEnum):
    """How far the learner got (AGS 2.0 §3.4.5)."""

    INITIALIZED = "Initialized"
    STARTED = "Started"
    IN_PROGRESS = "InProgress"
    SUBMITTED = "Submitted"
    COMPLETED = "Completed"


class GradingProgress(StrEnum):
    """Where grading stands (AGS 2.0 §3.4.6); ``PENDING_MANUAL`` while rubric work waits."""

    FULLY_GRADED = "FullyGraded"
    PENDING = "Pending"
    PENDING_MANUAL = "PendingManual"
    FAILED = "Failed"
    NOT_READY = "NotReady"


#: Canvas's extension of the score: when and how the learner submitted.
CANVAS_SUBMISSION_EXTENSION = "https://canvas.instructure.com/lti/submission"
