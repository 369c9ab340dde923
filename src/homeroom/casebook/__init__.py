"""The casebook: the transactional store for what people write: accounts, sessions, the audit
log, the catalogue of supports, plans, actions, partners, referrals, consents and API tokens.
SQLite by default, PostgreSQL in production.
"""

# Every table's model joins Base.metadata before the first query (and before Alembic compares).
from homeroom.casebook import outreach_tables, partner_tables, plan_tables  # noqa: F401
from homeroom.casebook.audit import (
    Actor,
    AuditEntry,
    CliActor,
    audit_entries,
    export_csv,
    record,
)
from homeroom.casebook.models import AuditRecord, User, UserSchool, WebSession
from homeroom.casebook.passwords import LOCKOUT, MAX_FAILED_LOGINS, MIN_LENGTH
from homeroom.casebook.roles import ROLE_LABELS, ROLES
from homeroom.casebook.sessions import (
    ABSOLUTE_TIMEOUT,
    IDLE_TIMEOUT,
    csrf_matches,
    end_session,
    end_user_sessions,
    session_for,
    start_session,
)
from homeroom.casebook.store import (
    CasebookError,
    Store,
    open_store,
    open_workspace_store,
    store_url,
)
from homeroom.casebook.users import (
    LoginFailed,
    UnknownUser,
    UserError,
    add_user,
    authenticate,
    disable_user,
    enable_user,
    find_oidc_user,
    get_user,
    list_users,
    set_password,
    set_role,
    set_schools,
)

__all__ = [
    "ABSOLUTE_TIMEOUT",
    "IDLE_TIMEOUT",
    "LOCKOUT",
    "MAX_FAILED_LOGINS",
    "MIN_LENGTH",
    "ROLES",
    "ROLE_LABELS",
    "Actor",
    "AuditEntry",
    "AuditRecord",
    "CasebookError",
    "CliActor",
    "LoginFailed",
    "Store",
    "UnknownUser",
    "User",
    "UserError",
    "UserSchool",
    "WebSession",
    "add_user",
    "audit_entries",
    "authenticate",
    "csrf_matches",
    "disable_user",
    "enable_user",
    "end_session",
    "end_user_sessions",
    "export_csv",
    "find_oidc_user",
    "get_user",
    "list_users",
    "open_store",
    "open_workspace_store",
    "record",
    "session_for",
    "set_password",
    "set_role",
    "set_schools",
    "start_session",
    "store_url",
]
