"""pylti1p3's tool configuration, answered from our registration and deployment rows."""

from __future__ import annotations

from pylti1p3.deployment import Deployment as PyltiDeployment
from pylti1p3.registration import Registration as PyltiRegistration
from pylti1p3.tool_config.abstract import ToolConfAbstract
from sqlalchemy import Connection, Row

from lti_tool.lti import statements


class DatabaseToolConfig(ToolConfAbstract):
    """Registrations come from the database; one issuer may have many client_ids.

    The rows found are kept on the object (``registration``, ``deployment``) so the launch
    that asked does not query for them again.
    """

    def __init__(self, conn: Connection) -> None:
        super().__init__()
        self._conn = conn
        self.registration: Row | None = None
        self.deployment: Row | None = None

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_row(self, iss: str, client_id: str | None) -> Row | None:
        """The active registration for ``iss`` and ``client_id`` (or the issuer's only one)."""
        if client_id is None:
            rows = self._conn.execute(statements.REGISTRATIONS_OF_ISSUER, {"issuer": iss}).all()
            self.registration = rows[0] if len(rows) == 1 else None
        else:
            self.registration = self._conn.execute(
                statements.REGISTRATION, {"issuer": iss, "client_id": client_id}
            ).first()
        return self.registration

    def find_tenant(self, iss: str, client_id: str, deployment_id: str) -> Row | None:
        """The registration with its deployment (``deployment_pk``, ``deployment_active``)."""
        self.registration = self._conn.execute(
            statements.TENANT,
            {"issuer": iss, "client_id": client_id, "deployment_id": deployment_id},
        ).first()
        return self.registration

    # pylti1p3 annotates these two as always returning a Registration, yet its callers
    # (OIDCLogin, MessageLaunch) test the result and report "registration not found" for
    # None: None is how a tool config answers "no such registration", so the override is
    # the honest type and the library's annotation the inaccurate one.
    def find_registration_by_issuer(  # type: ignore[override]
        self, iss: str, *args, **kwargs
    ) -> PyltiRegistration | None:
        return self._to_pylti(self.find_registration_row(iss, None))

    def find_registration_by_params(  # type: ignore[override]
        self, iss: str, client_id: str, *args, **kwargs
    ) -> PyltiRegistration | None:
        return self._to_pylti(self.find_registration_row(iss, client_id))

    def find_deployment(self, iss: str, deployment_id: str) -> PyltiDeployment | None:
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str | None, *args, **kwargs
    ) -> PyltiDeployment | None:
        """The deployment row, active or not: the launch tells the two cases apart."""
        if self.registration is None:
            return None
        self.deployment = self._conn.execute(
            statements.DEPLOYMENT,
            {"registration_id": self.registration.id, "deployment_id": deployment_id},
        ).first()
        if self.deployment is None:
            return None
        return PyltiDeployment().set_deployment_id(self.deployment.deployment_id)

    @staticmethod
    def _to_pylti(row: Row | None) -> PyltiRegistration | None:
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
