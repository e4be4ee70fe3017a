"""pylti1p3's tool configuration, answered from our registration and deployment rows."""

from __future__ import annotations

from pylti1p3.deployment import Deployment as PyltiDeployment
from pylti1p3.registration import Registration as PyltiRegistration
from pylti1p3.tool_config.abstract import ToolConfAbstract
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models import Deployment, Registration


class DatabaseToolConfig(ToolConfAbstract):
    """Registrations come from the database; one issuer may have many client_ids.

    The rows found are kept on the object (``registration``, ``deployment``) so the launch
    that asked does not query for them again.
    """

    def __init__(self, session: Session) -> None:
        super().__init__()
        self._session = session
        self.registration: Registration | None = None
        self.deployment: Deployment | None = None

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_row(self, iss: str, client_id: str | None) -> Registration | None:
        """The active registration for ``iss`` and ``client_id`` (or the issuer's only one)."""
        query = select(Registration).where(Registration.issuer == iss, Registration.is_active)
        if client_id is not None:
            query = query.where(Registration.client_id == client_id)
        rows = self._session.scalars(query.limit(2)).all()
        self.registration = rows[0] if len(rows) == 1 else None
        return self.registration

    def find_registration_by_issuer(self, iss: str, *args, **kwargs) -> PyltiRegistration | None:
        return self._to_pylti(self.find_registration_row(iss, None))

    def find_registration_by_params(
        self, iss: str, client_id: str, *args, **kwargs
    ) -> PyltiRegistration | None:
        if self.registration is None or (self.registration.issuer, self.registration.client_id) != (
            iss,
            client_id,
        ):
            self.find_registration_row(iss, client_id)
        return self._to_pylti(self.registration)

    def find_deployment(self, iss: str, deployment_id: str) -> PyltiDeployment | None:
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str | None, *args, **kwargs
    ) -> PyltiDeployment | None:
        """The deployment row, active or not: the launch tells the two cases apart."""
        if self.registration is None:
            return None
        self.deployment = self._session.scalar(
            select(Deployment).where(
                Deployment.registration_id == self.registration.id,
                Deployment.deployment_id == deployment_id,
            )
        )
        if self.deployment is None:
            return None
        return PyltiDeployment().set_deployment_id(self.deployment.deployment_id)

    @staticmethod
    def _to_pylti(row: Registration | None) -> PyltiRegistration | None:
        if row is None:
            return None
        registration = (
            PyltiRegistration()
            .set_issuer(row.issuer)
            .set_client_id(row.client_id)
            .set_auth_login_url(row.auth_login_url)
            .set_auth_token_url(row.auth_token_url)
            .set_key_set_url(row.key_set_url)
            .set_key_set(row.key_set)
        )
        if row.auth_audience:
            registration.set_auth_audience(row.auth_audience)
        return registration
