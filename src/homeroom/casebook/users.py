"""Accounts: who may sign in, with which role and schools, and the sign-in check itself.

Roles and schools are assigned here, in Homeroom, by a district administrator; a single
sign-on provider only vouches for who the person is, never for what they may see.

Every function that changes an account takes `by=` (the administrator or `CliActor` doing
it): when given, the change and its audit entry commit together.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from homeroom.casebook import passwords
from homeroom.casebook.audit import Actor, append
from homeroom.casebook.models import User, UserSchool, WebSession
from homeroom.casebook.partner_tables import Partner, PartnerUser
from homeroom.casebook.roles import PARTNER, ROLES, SCHOOL_STAFF
from homeroom.casebook.store import CasebookError, Store, deleted

USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")


class UserError(CasebookError):
    """An account request that cannot be carried out; the message says why."""


class UnknownUser(UserError):
    def __init__(self, username: str) -> None:
        super().__init__(f"no user named {username!r}; see `homeroom users list`")


class LoginFailed(CasebookError):
    """A sign-in that did not succeed. One message for every cause, so it reveals nothing."""

    MESSAGE = (
        "Sign-in failed: the username or password is wrong, or the account is locked or "
        "disabled. After 5 failed tries an account is locked for 15 minutes."
    )

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)


# -- reading -----------------------------------------------------------------------------------
def get_user(store: Store, username: str) -> User | None:
    name = _known_form(username)
    if name is None:
        return None
    with store.session(write=False) as session:
        return session.scalar(select(User).where(User.username == name))


def list_users(store: Store, *, include_disabled: bool = True) -> list[User]:
    query = select(User).order_by(User.username)
    if not include_disabled:
        query = query.where(User.disabled.is_(False))
    with store.session(write=False) as session:
        return list(session.scalars(query))


# -- changing ----------------------------------------------------------------------------------
def add_user(
    store: Store,
    username: str,
    role: str,
    *,
    password: str | None = None,
    schools: Iterable[str] = (),
    display_name: str | None = None,
    email: str | None = None,
    oidc_issuer: str | None = None,
    oidc_subject: str | None = None,
    partner_id: int | None = None,
    by: Actor | None = None,
) -> User:
    """Create an account. Without a password the person signs in through single sign-on
    (matched by OIDC issuer+subject, or the first time by EMAIL). A `partner` account needs
    the PARTNER_ID of its organisation (homeroom.casebook.partners)."""
    name = normal_username(username)
    _check_role(role)
    school_ids = _school_ids(schools, role)
    _check_partner_role(role, partner_id)
    email = _normal_email(email)
    _check_sign_in(name, password, email, oidc_issuer, oidc_subject)
    user = User(
        username=name,
        role=role,
        display_name=(display_name or "").strip() or None,
        email=email,
        password_hash=None if password is None else passwords.hash_password(password),
        oidc_issuer=oidc_issuer or None,
        oidc_subject=oidc_subject,
        disabled=False,
        failed_logins=0,
        created_at=store.now(),
        schools=[UserSchool(school_id=school) for school in school_ids],
        partner_link=None,  # set now, so the returned user knows it has none once detached
    )
    try:
        with store.session() as session:
            _check_unique(session, name, email)
            if partner_id is not None:
                _check_partner(session, partner_id)
                user.partner_link = PartnerUser(partner_id=partner_id)
            session.add(user)
            session.flush()
            _audit(
                session,
                store,
                by,
                "user_added",
                user,
                role=role,
                schools=sorted(school_ids),
                **({} if partner_id is None else {"partner": partner_id}),
                sign_in="password" if password is not None else "single sign-on",
            )
    except IntegrityError as exc:  # a concurrent add got there first
        raise UserError(f"a user named {name!r} or with that email already exists") from exc
    return user


def _check_unique(session: Session, name: str, email: str | None) -> None:
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise UserError(f"a user named {name!r} already exists")
    if email and session.scalar(select(User.id).where(User.email == email)) is not None:
        raise UserError(f"another user already has the email {email}")


def disable_user(store: Store, username: str, *, by: Actor | None = None) -> User:
    """Stop the user signing in, and end their open sessions now."""
    with store.session() as session:
        user = _require(session, username)
        user.disabled = True
        ended = _end_sessions(session, user)
        _audit(session, store, by, "user_disabled", user, sessions_ended=ended)
    return user


def enable_user(store: Store, username: str, *, by: Actor | None = None) -> User:
    """Let a disabled user sign in again; this also lifts a lock-out."""
    with store.session() as session:
        user = _require(session, username)
        user.disabled = False
        user.failed_logins = 0
        user.locked_until = None
        _audit(session, store, by, "user_enabled", user)
    return user


def set_password(store: Store, username: str, password: str, *, by: Actor | None = None) -> User:
    """Give the user a new password; lifts a lock-out and ends their sessions (sign in again)."""
    with store.session() as session:
        user = _require(session, username)
        _check_password(password, user.username, user.email)
        user.password_hash = passwords.hash_password(password)
        user.failed_logins = 0
        user.locked_until = None
        ended = _end_sessions(session, user)
        _audit(session, store, by, "password_set", user, sessions_ended=ended)
    return user


def set_schools(
    store: Store, username: str, schools: Iterable[str], *, by: Actor | None = None
) -> User:
    """Replace a school_staff user's schools (takes effect at their next page)."""
    with store.session() as session:
        user = _require(session, username)
        if user.role != SCHOOL_STAFF:
            raise UserError(f"{user.username} is {user.role}: only school_staff have schools")
        school_ids = _school_ids(schools, user.role)
        before = sorted(user.school_ids)
        user.schools = [UserSchool(school_id=school) for school in school_ids]
        _audit(session, store, by, "schools_set", user, before=before, after=sorted(school_ids))
    return user


def set_role(
    store: Store,
    username: str,
    role: str,
    *,
    schools: Iterable[str] = (),
    by: Actor | None = None,
) -> User:
    """Change the user's role (school_staff keeps SCHOOLS; other roles have none)."""
    _check_role(role)
    school_ids = _school_ids(schools, role)
    with store.session() as session:
        user = _require(session, username)
        if PARTNER in (role, user.role) and role != user.role:
            raise UserError("a partner account stays a partner account: add a new account")
        before = user.role
        user.role = role
        user.schools = [UserSchool(school_id=school) for school in school_ids]
        _audit(session, store, by, "role_set", user, before=before, after=role)
    return user


# -- signing in --------------------------------------------------------------------------------
def authenticate(store: Store, username: str, password: str) -> User:
    """The user whose username and password these are, or LoginFailed.

    Fails the same way, in about the same time, for an unknown username, a wrong password, a
    disabled account and a locked one. MAX_FAILED_LOGINS wrong passwords in a row lock the
    account for LOCKOUT; tries while it is locked are refused without counting.
    """
    name = _known_form(username)
    with store.session(write=False) as session:
        seen = session.scalar(select(User).where(User.username == name)) if name else None
    # The slow part, outside any transaction, so other sign-ins and writes do not wait on it.
    matches = passwords.verify(seen.password_hash if seen else None, password)
    if seen is None:
        raise LoginFailed()
    new_hash = None
    if matches and seen.password_hash and passwords.needs_rehash(seen.password_hash):
        new_hash = passwords.hash_password(password)
    with store.session() as session:
        user = session.get(User, seen.id, with_for_update=True, populate_existing=True)
        now = store.now()
        if user is None or user.disabled or user.is_locked(now):
            raise LoginFailed()
        if matches and user.password_hash == seen.password_hash:
            user.failed_logins = 0
            user.locked_until = None
            user.last_login_at = now
            if new_hash is not None:
                user.password_hash = new_hash
            return user
        user.failed_logins += 1
        if user.failed_logins >= passwords.MAX_FAILED_LOGINS:
            user.locked_until = now + passwords.LOCKOUT
            user.failed_logins = 0  # after the lock-out, a fresh set of tries
            _audit(
                session,
                store,
                user,
                "account_locked",
                user,
                failures=passwords.MAX_FAILED_LOGINS,
                until=user.locked_until.isoformat(timespec="seconds"),
            )
    raise LoginFailed()  # after the block, so the count is committed


def find_oidc_user(store: Store, issuer: str, subject: str, email: str | None) -> User | None:
    """The account a single sign-on identity belongs to, or None (unknown or disabled).

    Matched by the provider's issuer + subject. The first time, an account an administrator
    made with this EMAIL (and no identity yet) is matched instead and the identity is bound to
    it, so later sign-ins match by subject even if the email changes. Pass EMAIL only when the
    provider says it is verified.
    """
    if not issuer or not subject:
        return None
    with store.session() as session:
        user = session.scalar(
            select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject)
        )
        address = _normal_email(email) if email else None
        if user is None and address:
            candidate = session.scalar(select(User).where(User.email == address))
            if (
                candidate is not None
                and candidate.oidc_subject is None
                and candidate.oidc_issuer in (None, issuer)
                and not candidate.disabled
            ):
                candidate.oidc_issuer, candidate.oidc_subject = issuer, subject
                _audit(session, store, candidate, "sso_identity_bound", candidate, issuer=issuer)
                user = candidate
        if user is None or user.disabled:
            return None
        user.last_login_at = store.now()
        return user


# -- rules -------------------------------------------------------------------------------------
def normal_username(username: str) -> str:
    """Usernames are lower case: letters, digits and . _ @ -, at most 64 characters."""
    name = _known_form(username)
    if name is None:
        raise UserError(
            f"{username!r} is not a usable username: use lower-case letters, digits and . _ @ -"
            " (at most 64 characters, starting with a letter or digit)"
        )
    return name


def _known_form(username: str) -> str | None:
    name = (username or "").strip().lower()
    return name if USERNAME.fullmatch(name) else None


def _normal_email(email: str | None) -> str | None:
    if email is None or not email.strip():
        return None
    address = email.strip().lower()
    local, _, domain = address.partition("@")
    if not local or "." not in domain or " " in address:
        raise UserError(f"{email!r} is not an email address")
    return address


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}; got {role!r}")


def _check_sign_in(
    name: str,
    password: str | None,
    email: str | None,
    oidc_issuer: str | None,
    oidc_subject: str | None,
) -> None:
    if oidc_subject is not None and not oidc_issuer:
        raise UserError("an OIDC subject needs its issuer (--oidc-issuer)")
    if password is None and email is None and oidc_subject is None:
        raise UserError(
            "give a password, or an email so the person can sign in with single sign-on"
        )
    if password is not None:
        _check_password(password, name, email)


def _check_partner_role(role: str, partner_id: int | None) -> None:
    if (role == PARTNER) != (partner_id is not None):
        raise UserError(
            "a partner account needs its organisation (--partner PARTNER_ID), and only "
            "partner accounts have one"
        )


def _check_partner(session: Session, partner_id: int) -> None:
    partner = session.get(Partner, partner_id)
    if partner is None or not partner.active:
        raise UserError(f"there is no active partner {partner_id} (see homeroom partners list)")


def _school_ids(schools: Iterable[str], role: str) -> list[str]:
    school_ids = sorted({str(school).strip() for school in schools} - {""})
    if school_ids and role != SCHOOL_STAFF:
        raise UserError(f"schools apply to school_staff only; a {role} is not limited to schools")
    return school_ids


def _check_password(password: str, username: str, email: str | None) -> None:
    try:
        passwords.check_policy(password, username=username, email=email)
    except passwords.PasswordRejected as exc:
        raise UserError(f"password not accepted: {exc}") from exc


def require_user(session: Session, username: str) -> User:
    """The account in SESSION, or UnknownUser."""
    return _require(session, username)


def _require(session: Session, username: str) -> User:
    name = _known_form(username)
    user = session.scalar(select(User).where(User.username == name)) if name else None
    if user is None:
        raise UnknownUser(username)
    return user


def _end_sessions(session: Session, user: User) -> int:
    return deleted(session.execute(delete(WebSession).where(WebSession.user_id == user.id)))


def _audit(
    session: Session,
    store: Store,
    by: Actor | None,
    action: str,
    user: User,
    **detail: Any,
) -> None:
    if by is None:
        return
    append(
        session,
        store.now(),
        username=by.username,
        role=by.role,
        action=action,
        subject_type="user",
        subject_id=user.username,
        detail=detail,
    )
