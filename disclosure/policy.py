"""All authorization. Every endpoint is denied unless it is marked public or names a permission.

Roles grant permissions; an API token can narrow them further with its scopes but never widen
them. Resource-level questions (is this member of that program?) are answered here too, so no
view or service decides a permission on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar, overload

from disclosure.errors import Forbidden, Unauthenticated

if TYPE_CHECKING:
    from disclosure.accounts.models import User


class UserRole(StrEnum):
    """What an account is: it decides the permissions its role grants."""

    RESEARCHER = "researcher"
    VENDOR = "vendor"
    ADMIN = "admin"


class TokenScope(StrEnum):
    """What an API token may be used for; it narrows its owner's role, never widens it."""

    REPORTS_SUBMIT = "reports:submit"
    CASES_READ = "cases:read"
    CASES_WRITE = "cases:write"
    ADVISORIES_PUBLISH = "advisories:publish"
    ADMIN = "admin"


class Permission(StrEnum):
    """Everything someone can be allowed to do, as "resource:action"."""

    ACCOUNT_SELF = "account:self"  # own profile, password, sessions and tokens
    REPORTS_SUBMIT = "reports:submit"
    REPORTS_READ_OWN = "reports:read-own"
    CASES_READ = "cases:read"
    CASES_WRITE = "cases:write"
    ADVISORIES_PUBLISH = "advisories:publish"  # schedule, release, revise, withdraw
    USERS_ADMIN = "users:admin"  # accounts, roles, everyone's sessions and tokens


ROLE_GRANTS: dict[UserRole, frozenset[Permission]] = {
    UserRole.RESEARCHER: frozenset(
        {Permission.ACCOUNT_SELF, Permission.REPORTS_SUBMIT, Permission.REPORTS_READ_OWN}
    ),
    UserRole.VENDOR: frozenset(
        {
            Permission.ACCOUNT_SELF,
            Permission.REPORTS_SUBMIT,
            Permission.REPORTS_READ_OWN,
            Permission.CASES_READ,
            Permission.CASES_WRITE,
            Permission.ADVISORIES_PUBLISH,
        }
    ),
    UserRole.ADMIN: frozenset(Permission),
}

# The token scope a permission needs when the request carries a bearer token.
# ACCOUNT_SELF needs none: any valid token may ask who it belongs to.
SCOPE_FOR: dict[Permission, TokenScope | None] = {
    Permission.ACCOUNT_SELF: None,
    Permission.REPORTS_SUBMIT: TokenScope.REPORTS_SUBMIT,
    Permission.REPORTS_READ_OWN: TokenScope.REPORTS_SUBMIT,
    Permission.CASES_READ: TokenScope.CASES_READ,
    Permission.CASES_WRITE: TokenScope.CASES_WRITE,
    Permission.ADVISORIES_PUBLISH: TokenScope.ADVISORIES_PUBLISH,
    Permission.USERS_ADMIN: TokenScope.ADMIN,
}


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user through a browser session or a token, or nobody."""

    user: User | None = None
    session_id: str | None = None
    token_id: int | None = None
    token_scopes: frozenset[TokenScope] = field(default_factory=frozenset)

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    @property
    def via_token(self) -> bool:
        return self.token_id is not None

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None


ANONYMOUS = Principal()


def can(principal: Principal, permission: Permission) -> bool:
    """Whether the principal's role grants the permission and its token (if any) allows it."""
    user = principal.user
    if user is None or not user.is_active:
        return False
    if permission not in ROLE_GRANTS[user.role]:
        return False
    if principal.via_token:
        needed = SCOPE_FOR[permission]
        return (
            needed is None
            or needed in principal.token_scopes
            or (TokenScope.ADMIN in principal.token_scopes and user.role is UserRole.ADMIN)
        )
    return True


def authorize(principal: Principal, permission: Permission) -> None:
    """Raise Unauthenticated for nobody, Forbidden for somebody lacking the permission."""
    if not principal.is_authenticated:
        raise Unauthenticated("Sign in or send a bearer token to do this.")
    if not can(principal, permission):
        if principal.via_token and SCOPE_FOR[permission] not in principal.token_scopes:
            raise Forbidden(f"This token lacks the scope {SCOPE_FOR[permission]}.")
        raise Forbidden("Your account is not allowed to do this.")


# --- endpoint markers -------------------------------------------------------------------------

View = TypeVar("View", bound=Callable[..., Any])
PUBLIC_ATTRIBUTE = "_disclosure_public"
PERMISSION_ATTRIBUTE = "_disclosure_permission"
ALTERNATIVES_ATTRIBUTE = "_disclosure_permissions"
SESSION_ONLY_ATTRIBUTE = "_disclosure_session_only"


@overload
def public(view: View, /) -> View: ...
@overload
def public(*, signed_in: Permission) -> Callable[[View], View]: ...
def public(
    view: View | None = None, /, *, signed_in: Permission | None = None
) -> View | Callable[[View], View]:
    """Mark a view as reachable by anyone; `signed_in`: what a signed-in caller needs there."""

    def mark(view: View) -> View:
        setattr(view, PUBLIC_ATTRIBUTE, True)
        if signed_in is not None:
            setattr(view, ALTERNATIVES_ATTRIBUTE, (signed_in,))
        return view

    return mark(view) if view is not None else mark


def requires(
    permission: Permission, *alternatives: Permission, session_only: bool = False
) -> Callable[[View], View]:
    """Mark a view as needing `permission` (or any of `alternatives`); checked before it runs.

    `session_only`: a signed-in browser session only, never a bearer token.
    """

    def mark(view: View) -> View:
        setattr(view, PERMISSION_ATTRIBUTE, permission)
        setattr(view, ALTERNATIVES_ATTRIBUTE, (permission, *alternatives))
        setattr(view, SESSION_ONLY_ATTRIBUTE, session_only)
        return view

    return mark


def endpoint_permissions(view: Callable[..., Any]) -> tuple[Permission, ...]:
    """Every permission that opens the view (any one suffices); for a public view, what a
    signed-in caller needs there (nothing when empty)."""
    return getattr(view, ALTERNATIVES_ATTRIBUTE, ())


def endpoint_rule(view: Callable[..., Any]) -> Permission | bool | None:
    """The view's declared access: a Permission, True for public, None when undeclared."""
    if getattr(view, PUBLIC_ATTRIBUTE, False):
        return True
    return getattr(view, PERMISSION_ATTRIBUTE, None)


def endpoint_scopes(view: Callable[..., Any]) -> list[TokenScope] | None:
    """The token scopes of which a bearer token needs one to pass the view's access rule
    ([] for none); None when the view refuses bearer tokens. An administrator's token with
    the admin scope passes every rule its role passes."""
    if getattr(view, SESSION_ONLY_ATTRIBUTE, False):
        return None
    needed = {SCOPE_FOR[permission] for permission in endpoint_permissions(view)}
    if None in needed:
        return []
    return sorted(scope for scope in needed if scope is not None)


def check_endpoint(principal: Principal, view: Callable[..., Any] | None) -> None:
    """Deny by default: an undeclared endpoint is refused for everyone."""
    rule = endpoint_rule(view) if view is not None else None
    if rule is None:
        raise Forbidden("This endpoint has no access rule and is closed.")
    permissions = endpoint_permissions(view)
    if rule is True and (not principal.is_authenticated or not permissions):
        return
    if principal.via_token and getattr(view, SESSION_ONLY_ATTRIBUTE, False):
        raise Forbidden("Do this from a signed-in browser session, not with a bearer token.")
    if any(can(principal, permission) for permission in permissions):
        return
    authorize(principal, permissions[0])


# --- cases ----------------------------------------------------------------------------------


class CaseRole(StrEnum):
    """How a principal relates to one case; decides what it may see and do there."""

    NONE = "none"
    REPORTER = "reporter"
    VIEWER = "viewer"
    TRIAGER = "triager"
    OWNER = "owner"
    ADMIN = "admin"
    PARTICIPANT = "participant"  # reads only what is shared, through coordination verbs


_CASE_GRANTS: dict[CaseRole, frozenset[Permission]] = {
    CaseRole.NONE: frozenset(),
    CaseRole.REPORTER: frozenset({Permission.REPORTS_READ_OWN}),
    CaseRole.VIEWER: frozenset({Permission.CASES_READ}),
    CaseRole.TRIAGER: frozenset({Permission.CASES_READ, Permission.CASES_WRITE}),
    # Triagers write the advisory draft; the program's owners release it.
    CaseRole.OWNER: frozenset(
        {Permission.CASES_READ, Permission.CASES_WRITE, Permission.ADVISORIES_PUBLISH}
    ),
    CaseRole.ADMIN: frozenset(
        {Permission.CASES_READ, Permission.CASES_WRITE, Permission.ADVISORIES_PUBLISH}
    ),
    CaseRole.PARTICIPANT: frozenset(),
}


def case_role(
    principal: Principal, *, reporter_id: int | None, member_role: str | None
) -> CaseRole:
    """The principal's relation to a case, from its reporter and the program membership."""
    user = principal.user
    if user is None or not user.is_active:
        return CaseRole.NONE
    if user.role is UserRole.ADMIN:
        return CaseRole.ADMIN
    if member_role is not None and user.role is UserRole.VENDOR:
        return CaseRole(member_role)
    if reporter_id is not None and reporter_id == user.id:
        return CaseRole.REPORTER
    return CaseRole.NONE


def can_on_case(principal: Principal, role: CaseRole, permission: Permission) -> bool:
    """Whether the principal may do `permission` on a case where it has `role`."""
    return permission in _CASE_GRANTS[role] and can(principal, permission)


def authorize_case(principal: Principal, role: CaseRole, permission: Permission) -> None:
    """Raise NotFound (never Forbidden: that would reveal the case exists) unless allowed."""
    from disclosure.errors import NotFound

    if not can_on_case(principal, role, permission):
        raise NotFound("No such case.")


def can_change_state(principal: Principal, role: CaseRole) -> bool:
    """Members who may write move a case through its lifecycle; its reporter may withdraw
    it or answer a question (the lifecycle decides which moves each side has)."""
    if role is CaseRole.REPORTER:
        return can_on_case(principal, role, Permission.REPORTS_READ_OWN)
    return can_on_case(principal, role, Permission.CASES_WRITE)


def can_see_internal_notes(role: CaseRole) -> bool:
    """Internal notes are the vendor's: its members and admins, never the reporter or a
    participant from another program."""
    return role in (CaseRole.VIEWER, CaseRole.TRIAGER, CaseRole.OWNER, CaseRole.ADMIN)


def is_vendor_side(role: CaseRole) -> bool:
    """Whether the reader sees the case as the vendor does (members, admins)."""
    return role not in (CaseRole.REPORTER, CaseRole.NONE, CaseRole.PARTICIPANT)


# --- intake ---------------------------------------------------------------------------------


def can_submit_report(principal: Principal, *, accepts_anonymous: bool) -> bool:
    """A signed-in account needs reports:submit; nobody may submit where the program accepts
    only signed-in researchers."""
    if principal.is_authenticated:
        return can(principal, Permission.REPORTS_SUBMIT)
    return accepts_anonymous


def authorize_submission(principal: Principal, *, accepts_anonymous: bool, program: str) -> None:
    """Raise Unauthenticated (sign in first) or Forbidden unless the principal may submit."""
    if principal.is_authenticated:
        authorize(principal, Permission.REPORTS_SUBMIT)
    elif not accepts_anonymous:
        raise Unauthenticated(f"{program} accepts reports only from signed-in researchers.")


# --- multi-party coordination ---------------------------------------------------------------


def can_coordinate(user: User) -> bool:
    """Who may be seated on another program's case as an outside coordinator: an active
    vendor or admin account (a CERT's staff, say), never a researcher's."""
    return user.is_active and user.role in (UserRole.VENDOR, UserRole.ADMIN)


class ParticipantAccess(StrEnum):
    """What a participant (another vendor's member or a coordinator) may do on a shared case."""

    NONE = "none"
    READ = "read"  # the shared parts: metadata, status table, report/messages if shared
    WRITE = "write"  # and its own per-product status


def participant_access(
    principal: Principal, *, member_role: str | None, is_coordinator: bool
) -> ParticipantAccess:
    """Access to a case through a participant seat (never more than the role allows)."""
    if not can(principal, Permission.CASES_READ):
        return ParticipantAccess.NONE
    if is_coordinator or member_role in ("owner", "triager"):
        writable = can(principal, Permission.CASES_WRITE)
        return ParticipantAccess.WRITE if writable else ParticipantAccess.READ
    if member_role == "viewer":
        return ParticipantAccess.READ
    return ParticipantAccess.NONE


# --- the disclosure clock: more time, and who follows a case's deadlines ----------------------


def can_request_time(principal: Principal, role: CaseRole) -> bool:
    """Owners and triagers ask for an extension or a grace period (admins decide, never ask)."""
    return role in (CaseRole.OWNER, CaseRole.TRIAGER) and can_on_case(
        principal, role, Permission.CASES_WRITE
    )


def can_decide_time(principal: Principal, role: CaseRole, *, reporter_is_anonymous: bool) -> bool:
    """The reporter accepts or declines more time; an admin decides for an anonymous one."""
    if reporter_is_anonymous:
        return role is CaseRole.ADMIN and can_on_case(principal, role, Permission.CASES_WRITE)
    return role is CaseRole.REPORTER and can_on_case(principal, role, Permission.REPORTS_READ_OWN)


def can_follow_case(principal: Principal, role: CaseRole) -> bool:
    """Whether the principal may see the case's deadlines: its members, admins, its reporter."""
    return can_on_case(principal, role, Permission.CASES_READ) or can_on_case(
        principal, role, Permission.REPORTS_READ_OWN
    )


# --- programs -------------------------------------------------------------------------------


def can_manage_members(principal: Principal, member_role: str | None) -> bool:
    """Program owners (and admins) add and remove members; nobody else."""
    user = principal.user
    if user is None or not can(principal, Permission.CASES_WRITE):
        return False
    return user.role is UserRole.ADMIN or member_role == "owner"


# --- two-factor sign-in ---------------------------------------------------------------------


def must_use_two_factor(user: User, required_roles: Collection[str]) -> bool:
    """Whether the account's role must sign in with a second factor (the
    require_2fa_for setting): such a user is sent to enrolment before anything else."""
    return user.is_active and user.role.value in required_roles


# --- metrics (metadata only, never decrypted content) ---------------------------------------


def can_read_program_metrics(principal: Principal, member_role: str | None) -> bool:
    """A program's metrics: its owners, triagers and viewers, and admins."""
    role = case_role(principal, reporter_id=None, member_role=member_role)
    return role is not CaseRole.REPORTER and can_on_case(principal, role, Permission.CASES_READ)


def can_read_all_metrics(principal: Principal) -> bool:
    """Metrics across every program at once: administrators only."""
    user = principal.user
    return (
        user is not None and user.role is UserRole.ADMIN and can(principal, Permission.CASES_READ)
    )
